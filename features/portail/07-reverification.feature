# language: fr
@portail
Fonctionnalité: Le portail applique la réponse de ses revérifications
  Le portail revérifie une certification sans nouvelle connexion (POST /verifications) ; la déclaration
  nomme l'entrée qui le fait faire (recheck_url). Quand la personne n'est plus dirigeante, le compte
  perd sa certification sans attendre l'événement de ProConnect ; sinon il la garde.
  Exigences : docs/contrat-portail.md.

  @obligatoire @ci @controle @exclusif @PSP-VER-2
  Scénario: Une revérification négative retire la certification du compte
    Soit une entreprise synthétique pour le scénario
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "{siren}"
    Et elle se connecte à FranceConnect avec la persona "dirigeant:{siren}"
    Alors le compte du portail passe à l'état "certified"
    Quand le dirigeant n°1 de l'entreprise "{siren}" quitte ses fonctions
    Et le portail revérifie la certification, sans événement de ProConnect pendant ce temps
    Alors le compte du portail est à l'état "revoked"

  @obligatoire @ci @PSP-VER-2
  Scénario: Une revérification positive laisse le compte certifié
    Soit une entreprise synthétique pour le scénario
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "{siren}"
    Et elle se connecte à FranceConnect avec la persona "dirigeant:{siren}"
    Alors le compte du portail passe à l'état "certified"
    Quand le portail revérifie la certification
    Alors le compte du portail est à l'état "certified"
