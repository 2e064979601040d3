# language: fr
@franceconnect @deconnexion
Fonctionnalité: Déconnexion
  /session/end met fin à la session FranceConnect et renvoie l'usager au fournisseur de service avec son state.

  Contexte:
    Soit un fournisseur de service FranceConnect
    Et l'usager s'est connecté avec la persona "angela"
    Et le fournisseur de service a échangé le code

  @obligatoire @ci
  Scénario: La déconnexion renvoie vers l'adresse enregistrée avec le state
    Quand le fournisseur de service déconnecte l'usager vers "http://localhost:4000/logout-callback" avec le state "etat-deconnexion"
    Alors l'usager est renvoyé vers "http://localhost:4000/logout-callback?state=etat-deconnexion"

  @obligatoire @ci
  Scénario: Après la déconnexion, FranceConnect redemande l'identification
    Soit le fournisseur de service a déconnecté l'usager
    Quand le fournisseur de service redirige l'usager vers FranceConnect
    Alors la page de connexion est affichée

  @obligatoire @ci
  Scénario: Sans adresse de retour, FranceConnect affiche la confirmation
    Quand le fournisseur de service déconnecte l'usager sans adresse de retour
    Alors la réponse a le statut 200
    Et la page contient "Vous êtes déconnecté(e)"

  @obligatoire @ci
  Plan du scénario: Une demande de déconnexion invalide est refusée (Y000400)
    Quand le fournisseur de service déconnecte l'usager avec <défaut>
    Alors FranceConnect affiche l'erreur "Y000400" avec le statut 400

    Exemples:
      | défaut                                       |
      | une adresse de retour non enregistrée        |
      | un paramètre inconnu                         |
      | un id_token_hint altéré                      |
      | un id_token_hint absent                      |
