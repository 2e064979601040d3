# language: fr
@proconnect @certification
Fonctionnalité: Certifier le dirigeant d'une entreprise
  Un portail demande à ProConnect de certifier un SIREN ; la personne se connecte avec FranceConnect ;
  ProConnect compare son identité pivot aux dirigeants du registre et pousse le résultat au portail.

  Contexte:
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario

  @obligatoire @ci @controle
  Plan du scénario: Chaque résultat de la certification
    Quand le portail demande la certification du SIREN "<siren>"
    Alors la réponse a le statut 201
    Quand la personne suit le lien de certification et se connecte avec la persona "<persona>"
    Alors la personne revient au portail avec l'identifiant de la certification et son state
    Et la certification a le résultat "<résultat>"
    Et l'événement "certification.completed" arrive au portail
    Et l'événement est signé par ProConnect pour ce portail
    Et l'événement a "data.outcome" égal à "<résultat>"

    Exemples: une personne et une entreprise par résultat
      | siren     | persona           | résultat                 |
      | 901001008 | angela            | certified                |
      | 901013003 | elodie            | certified                |
      | 901003004 | jean-philippe     | certified                |
      | 901004002 | paul-ei           | certified                |
      | 901007005 | lucie-nd          | certified                |
      | 901008003 | ne-etranger       | certified                |
      | 901014001 | corse             | certified                |
      | 901002006 | marcel            | close_match              |
      | 901003004 | sophie            | close_match              |
      | 901001008 | homonyme          | not_dirigeant            |
      | 901011007 | angela            | not_dirigeant            |
      | 901006007 | bernard-cessee    | company_ceased           |
      | 901005009 | claire-asso       | organisation_not_covered |
      | 901001008 | xavi              | unsupported_identity     |
      | 901001008 | access_denied     | cancelled                |
      | 901001008 | server_error      | error                    |

  @obligatoire @ci @controle
  Scénario: Le dirigeant d'une entreprise synthétique est certifié
    Soit une entreprise synthétique pour le scénario
    Quand le portail demande la certification du SIREN "{siren}"
    Et la personne suit le lien de certification et se connecte avec la persona "dirigeant:{siren}"
    Alors la certification a le résultat "certified"

  @obligatoire @ci @controle
  Scénario: Le second dirigeant d'une entreprise synthétique, s'il existe, est certifié aussi
    Soit une entreprise synthétique pour le scénario
    Quand le portail demande la certification du SIREN "{siren}"
    Et la personne suit le lien de certification et se connecte avec la persona "dirigeant:{siren}"
    Alors la certification a le résultat "certified"

  @obligatoire @ci @controle
  Scénario: Une certification réussie donne le dirigeant, le rôle et le sub FranceConnect
    Quand le portail demande la certification du SIREN "901001008"
    Et la personne suit le lien de certification et se connecte avec la persona "angela"
    Et le portail lit la certification
    Alors la réponse JSON contient :
      | chemin                | valeur                 |
      | status                | "completed"            |
      | outcome               | "certified"            |
      | siren                 | "901001008"            |
      | dirigeant.family_name | "DUBOIS"               |
      | dirigeant.given_name  | "Angela Claire Louise" |
      | dirigeant.birthdate   | "1962-08-24"           |
      | dirigeant.role        | "73"                   |
    Et l'événement "certification.completed" arrive au portail
    Et l'événement a "data.dirigeant.family_name" égal à "DUBOIS"
    Et l'événement a "data.purpose" égal à "registration"

  @obligatoire @ci @controle
  Scénario: Un compte existant est certifié plus tard, et ProConnect lui rend sa référence
    Quand le portail demande une certification avec :
      | champ       | valeur                |
      | siren       | "901001008"           |
      | purpose     | "certification"       |
      | account_ref | "compte-existant-42"  |
    Alors la réponse a le statut 201
    Quand la personne suit le lien de certification et se connecte avec la persona "angela"
    Et le portail lit la certification
    Alors la réponse JSON contient :
      | chemin      | valeur               |
      | outcome     | "certified"          |
      | purpose     | "certification"      |
      | account_ref | "compte-existant-42" |
    Et l'événement "certification.completed" arrive au portail
    Et l'événement est signé par ProConnect pour ce portail
    Et l'événement a "data.purpose" égal à "certification"
    Et l'événement a "data.account_ref" égal à "compte-existant-42"

  @obligatoire @ci @controle
  Scénario: Une correspondance proche liste ce qui diffère, sans dirigeant
    Quand le portail demande la certification du SIREN "901002006"
    Et la personne suit le lien de certification et se connecte avec la persona "marcel"
    Et le portail lit la certification
    Alors la réponse JSON a "outcome" égal à "close_match"
    Et la réponse JSON a "mismatches" égal à ["given_name"]
    Et la réponse JSON n'a pas la clé "dirigeant"
    Et l'événement "certification.completed" arrive au portail
    Et l'événement a "data.mismatches" égal à ["given_name"]
    Et l'événement n'a pas "data.dirigeant"

  @obligatoire @ci @controle
  Scénario: Une entreprise inconnue du répertoire SIRENE est refusée avant FranceConnect
    Quand le portail demande la certification du SIREN "999999998"
    Alors la réponse a le statut 422
    Et l'en-tête "Content-Type" commence par "application/problem+json"
    Et la réponse JSON contient :
      | chemin | valeur                                                          |
      | type   | "https://proconnect-sandbox.example/problems/company-not-found" |
      | title  | "Entreprise introuvable"                                        |
      | siren  | "999999998"                                                     |
    Et FranceConnect n'a reçu aucune requête pendant le scénario

  @obligatoire @ci @controle
  Scénario: Une entreprise inconnue est refusée avant FranceConnect même quand INSEE n'a pas répondu à la demande
    Soit un numéro SIREN que le répertoire SIRENE ne connaît pas, pour le scénario
    Et le registre ne répondra pas à la prochaine lecture de l'entreprise "{siren}"
    Quand le portail demande la certification du SIREN "{siren}"
    Alors la réponse a le statut 201
    Quand la personne suit le lien de certification
    Alors la personne revient au portail avec l'identifiant de la certification et son state
    Et la certification a le résultat "company_not_found"
    Et l'événement "certification.completed" arrive au portail
    Et l'événement a "data.outcome" égal à "company_not_found"
    Et FranceConnect n'a reçu aucune requête pendant le scénario

  @obligatoire @ci @controle
  Scénario: Une panne du registre donne le résultat error
    Soit une entreprise synthétique pour le scénario
    Et le registre est indisponible pour l'entreprise "{siren}"
    Quand le portail demande la certification du SIREN "{siren}"
    Et la personne suit le lien de certification et se connecte avec la persona "dirigeant:{siren}"
    Alors la certification a le résultat "error"

  @obligatoire @ci @controle
  Scénario: La personne qui revient en arrière sur FranceConnect annule la certification
    Quand le portail demande la certification du SIREN "901001008"
    Et la personne suit le lien de certification et abandonne à FranceConnect
    Alors la personne revient au portail avec l'identifiant de la certification et son state
    Et la certification a le résultat "cancelled"
