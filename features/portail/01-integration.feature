# language: fr
@portail
Fonctionnalité: Un portail intègre correctement ProConnect
  Le portail sous test est décrit par sa déclaration (start_url, status_url, events_url). La suite joue la
  personne dans le navigateur et observe le portail par son status_url.

  @obligatoire @ci
  Scénario: Le dirigeant est certifié et son compte ouvert
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "901001008"
    Et elle se connecte à FranceConnect avec la persona "angela"
    Alors elle arrive sur la page de retour du portail
    Et le compte du portail passe à l'état "certified"

  @obligatoire @ci
  Plan du scénario: Un résultat négatif ne certifie pas le compte
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "<siren>"
    Et elle se connecte à FranceConnect avec la persona "<persona>"
    Alors elle arrive sur la page de retour du portail
    Et le compte du portail passe à l'état "not_certified"

    Exemples:
      | siren     | persona        | cas                      |
      | 901002006 | marcel         | close_match              |
      | 901001008 | homonyme       | not_dirigeant            |
      | 999999998 | angela         | company_not_found        |
      | 901006007 | bernard-cessee | company_ceased           |
      | 901005009 | claire-asso    | organisation_not_covered |
      | 901001008 | server_error   | error                    |

  @obligatoire @ci
  Scénario: La personne qui abandonne à FranceConnect n'est pas certifiée
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "901001008"
    Et elle abandonne à FranceConnect
    Alors elle arrive sur la page de retour du portail
    Et le compte du portail passe à l'état "not_certified"

  @obligatoire @ci
  Scénario: Une identité européenne se voit proposer le parcours alternatif du portail
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "901001008"
    Et elle se connecte à FranceConnect avec la persona "xavi"
    Alors elle arrive sur la page de retour du portail
    Et la page de retour propose le parcours alternatif du portail
    Et le compte du portail passe à l'état "alternative_offered"

  @obligatoire @ci @controle
  Scénario: Un dirigeant qui quitte ses fonctions perd la certification de son compte
    Soit une entreprise synthétique pour le scénario
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "{siren}"
    Et elle se connecte à FranceConnect avec la persona "dirigeant:{siren}"
    Alors le compte du portail passe à l'état "certified"
    Quand le dirigeant n°1 de l'entreprise "{siren}" quitte ses fonctions
    Et ProConnect refait ses vérifications de fond
    Alors le compte du portail passe à l'état "revoked"
