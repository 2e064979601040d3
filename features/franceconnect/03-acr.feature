# language: fr
@franceconnect @acr
Fonctionnalité: Niveaux eIDAS (acr_values)
  FranceConnect garde les valeurs connues (eidas1 < eidas2 < eidas3), prend la plus basse, et refuse
  un niveau que la plateforme n'offre pas ; sans valeur connue, il prend son niveau par défaut.

  @obligatoire @ci
  Plan du scénario: FranceConnect (eidas1) résout acr_values
    Soit un fournisseur de service FranceConnect
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "acr_values" valant "<acr_values>"
    Et l'usager se connecte avec la persona "angela"
    Et le fournisseur de service échange le code
    Alors l'id_token a "acr" égal à "eidas1"

    Exemples:
      | acr_values     |
      | eidas1         |
      | inconnu        |
      |                |
      | eidas1 eidas2  |

  @obligatoire @ci
  Plan du scénario: FranceConnect (eidas1) refuse un niveau qu'il n'offre pas
    Soit un fournisseur de service FranceConnect
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "acr_values" valant "<acr_values>"
    Alors l'usager est renvoyé vers le fournisseur de service avec l'erreur "invalid_acr" et la description "<description>" dans la requête

    Exemples:
      | acr_values      | description                                                                            |
      | eidas2          | acr_value is not valid, should be equal one of these values, expected eidas1, got eidas2 |
      | inconnu eidas3  | acr_value is not valid, should be equal one of these values, expected eidas1, got eidas3 |

  @obligatoire @ci @fcplus
  Plan du scénario: FranceConnect+ résout acr_values
    Soit un fournisseur de service FranceConnect+ sans chiffrement
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "acr_values" valant "<acr_values>"
    Et l'usager se connecte avec la persona "angela"
    Et le fournisseur de service échange le code
    Alors l'id_token a "acr" égal à "<acr>"

    Exemples:
      | acr_values    | acr    |
      | eidas3 eidas2 | eidas3 |
      | eidas3        | eidas3 |
      | inconnu       | eidas3 |

  @obligatoire @ci @fcplus
  Scénario: FranceConnect+ refuse eidas1
    Soit un fournisseur de service FranceConnect+ sans chiffrement
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "acr_values" valant "eidas1"
    Alors l'usager est renvoyé vers le fournisseur de service avec l'erreur "invalid_acr" et la description "acr_value is not valid, should be equal one of these values, expected eidas2,eidas3, got eidas1" dans la requête

  @obligatoire @ci @fcplus
  Scénario: FranceConnect+ refuse une identité européenne quand eidas3 est exigé (Y100001)
    Soit un fournisseur de service FranceConnect+ sans chiffrement
    Quand le fournisseur de service redirige l'usager vers FranceConnect avec "acr_values" valant "eidas3"
    Et l'usager se connecte avec la persona "xavi"
    Alors FranceConnect affiche l'erreur "Y100001" avec le statut 400
