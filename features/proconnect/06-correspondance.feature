# language: fr
@proconnect @certification @correspondance
Fonctionnalité: La règle de correspondance, cas par cas
  ProConnect compare le premier prénom, le nom, le sexe, la date et le lieu de naissance de l'identité
  FranceConnect à ceux des dirigeants du registre, après normalisation ; ces scénarios montrent les
  cas où la règle surprend (docs/api-proconnect.md, « Règle de correspondance »).

  Contexte:
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario

  @obligatoire @ci @controle
  Plan du scénario: Chaque cas de la règle donne le résultat attendu
    Quand le portail demande la certification du SIREN "<siren>"
    Et la personne suit le lien de certification et se connecte avec la persona "<persona>"
    Alors la certification a le résultat "<résultat>"
    Et l'événement "certification.completed" arrive au portail
    Et l'événement a "data.outcome" égal à "<résultat>"

    Exemples: un cas par ligne
      | siren     | persona             | résultat  | cas                                                              |
      | 901015008 | jean-philippe-roche | certified | prénom composé : Jean-Philippe concorde avec JEAN                |
      | 901018002 | antoine-ajaccio     | certified | ancien code de commune : 20004 (avant 1976) est 2A004 aujourd'hui |
      | 901019000 | ines-agence         | certified | catégorie 3110, couverte bien qu'elle commence par 3             |

  @obligatoire @ci @controle
  Scénario: Une lettre que la règle ne replie pas donne une correspondance proche, pas une certification
    Quand le portail demande la certification du SIREN "901016006"
    Et la personne suit le lien de certification et se connecte avec la persona "ana-nunez"
    Et le portail lit la certification
    Alors la réponse JSON a "outcome" égal à "close_match"
    Et la réponse JSON a "mismatches" égal à ["family_name"]
    Et la réponse JSON n'a pas la clé "dirigeant"

  @obligatoire @ci @controle
  Scénario: Une date de naissance connue au mois près ne rapporte pas son point
    Quand le portail demande la certification du SIREN "901017004"
    Et la personne suit le lien de certification et se connecte avec la persona "luc-mois"
    Et le portail lit la certification
    Alors la réponse JSON a "outcome" égal à "close_match"
    Et la réponse JSON a "mismatches" égal à ["birthdate"]
    Et l'événement "certification.completed" arrive au portail
    Et l'événement a "data.mismatches" égal à ["birthdate"]
