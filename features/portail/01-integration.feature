# language: fr
@portail
Fonctionnalité: Un portail intègre correctement ProConnect
  Le portail sous test est décrit par sa déclaration (start_url, status_url, events_url). La suite joue la
  personne dans le navigateur et observe le portail par son status_url. Les exigences citées en tag
  (@PSP-…) sont celles du contrat du portail, docs/contrat-portail.md.

  @obligatoire @ci @PSP-API-1 @PSP-PAR-1 @PSP-PAR-3
  Scénario: Le dirigeant est certifié et son compte ouvert
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "901001008"
    Et elle se connecte à FranceConnect avec la persona "angela"
    Alors elle arrive sur la page de retour du portail
    Et le compte du portail passe à l'état "certified"

  @obligatoire @ci @PSP-PAR-3
  Plan du scénario: Un résultat négatif ne certifie pas le compte
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "<siren>"
    Et elle se connecte à FranceConnect avec la persona "<persona>"
    Alors elle arrive sur la page de retour du portail
    Et le compte du portail passe à l'état "not_certified"

    Exemples:
      | siren     | persona        | cas                      |
      | 901002006 | marcel         | close_match              |
      | 901001008 | homonyme       | not_dirigeant            |
      | 901006007 | bernard-cessee | company_ceased           |
      | 901005009 | claire-asso    | organisation_not_covered |
      | 901001008 | server_error   | error                    |

  @obligatoire @ci @PSP-PAR-3
  Scénario: La personne qui abandonne à FranceConnect n'est pas certifiée
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "901001008"
    Et elle abandonne à FranceConnect
    Alors elle arrive sur la page de retour du portail
    Et le compte du portail passe à l'état "not_certified"

  @obligatoire @ci @PSP-PAR-4
  Scénario: Une identité européenne se voit proposer le parcours alternatif du portail
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "901001008"
    Et elle se connecte à FranceConnect avec la persona "xavi"
    Alors elle arrive sur la page de retour du portail
    Et la page de retour propose le parcours alternatif du portail
    Et le compte du portail passe à l'état "alternative_offered"

  @obligatoire @ci @PSP-PAR-2
  Plan du scénario: Un retour qui ne vient pas du navigateur qui a lancé la demande est refusé
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "901001008"
    Et elle se connecte à FranceConnect avec la persona "angela", sans revenir au portail
    Et <qui> ouvre l'adresse de retour du portail <comment>
    Alors le portail refuse ce retour

    Exemples:
      | qui                 | comment              |
      | un autre navigateur | telle quelle         |
      | la personne         | sans son state       |
      | la personne         | avec un autre state  |

  @obligatoire @ci @controle @PSP-VER-1
  Scénario: Un dirigeant qui quitte ses fonctions perd la certification de son compte
    Soit une entreprise synthétique pour le scénario
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "{siren}"
    Et elle se connecte à FranceConnect avec la persona "dirigeant:{siren}"
    Alors le compte du portail passe à l'état "certified"
    Quand le dirigeant n°1 de l'entreprise "{siren}" quitte ses fonctions
    Et ProConnect refait ses vérifications de fond
    Alors le compte du portail passe à l'état "revoked"

  @recommande @ci @controle @PSP-API-2
  Scénario: Le portail garde son jeton PISTE d'une certification à l'autre
    Soit le bac à sable compte les appels du portail
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "901001008"
    Et une deuxième personne ouvre la page de démarrage du portail pour le SIREN "901003004"
    Alors le portail a demandé au plus 1 jeton à PISTE pendant le scénario

  @obligatoire @ci @controle @exclusif @PSP-API-1
  Scénario: Le portail renouvelle son jeton PISTE quand ProConnect le refuse
    Soit le bac à sable compte les appels du portail
    Et ProConnect refusera le prochain appel du portail pour jeton invalide
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "901001008"
    Alors elle arrive sur la page de connexion de FranceConnect
    Et le portail a demandé un nouveau jeton à PISTE pendant le scénario

  @obligatoire @ci @PSP-PAR-6
  Scénario: Une entreprise inconnue est refusée sans passer par FranceConnect
    Quand la personne ouvre la page de démarrage du portail pour le SIREN "999999998"
    Alors le portail dit que l'entreprise est introuvable, sans passer par FranceConnect
    Et la page propose le parcours alternatif du portail
