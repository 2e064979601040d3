# language: fr
@franceconnect @fidelite
Fonctionnalité: Contrôles de l'identité comme FranceConnect les fait (Y600006)
  FranceConnect refuse par la page Y600006 une identité que son fournisseur d'identité transmet
  incomplète ou mal formée : code COG, sexe, date du calendrier, courriel, longueur des noms.
  Ce qu'il accepte, le bouchon l'accepte aussi.

  Contexte:
    Soit un fournisseur de service FranceConnect

  @obligatoire @ci @controle
  Plan du scénario: Une identité que FranceConnect accepte
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et l'usager se connecte avec l'identité d'angela dont "<champ>" vaut "<valeur>"
    Alors l'usager est renvoyé vers le fournisseur de service avec un code

    Exemples:
      | champ      | valeur                 |
      | gender     | unspecified            |
      | birthplace | 97801                  |
      | birthplace | 97701                  |
      | birthplace | 2B033                  |
      | birthdate  | 2000-02-29             |
      | birthdate  | 1962-08-00             |
      | email      | angela.dubois@élysée.fr |

  @obligatoire @ci @controle
  Plan du scénario: Une identité que FranceConnect refuse (Y600006)
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et l'usager se connecte avec l'identité d'angela dont "<champ>" vaut "<valeur>"
    Alors FranceConnect affiche l'erreur "Y600006" avec le statut 400

    Exemples:
      | champ      | valeur                     |
      | birthplace | 2C004                      |
      | birthplace | 7510                       |
      | birthdate  | 1990-02-30                 |
      | birthdate  | 1990-04-31                 |
      | birthdate  | 1985-00-12                 |
      | email      | angela.dubois              |
      | email      | angela@localhost           |
      | email      | Angela <angela@example.fr> |

  @obligatoire @ci @controle
  Plan du scénario: Les noms ont au plus 256 caractères
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Et l'usager se connecte avec l'identité d'angela dont "<champ>" fait <longueur> caractères
    Alors <résultat>

    Exemples:
      | champ       | longueur | résultat                                                           |
      | family_name | 256      | l'usager est renvoyé vers le fournisseur de service avec un code   |
      | given_names | 256      | l'usager est renvoyé vers le fournisseur de service avec un code   |
      | family_name | 257      | FranceConnect affiche l'erreur "Y600006" avec le statut 400        |
      | given_names | 257      | FranceConnect affiche l'erreur "Y600006" avec le statut 400        |
