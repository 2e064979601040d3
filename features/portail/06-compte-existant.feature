# language: fr
@portail
Fonctionnalité: Un compte existant est certifié plus tard
  Depuis un compte déjà ouvert, le portail lance une certification « certification » avec la référence de
  ce compte (account_ref) ; ProConnect la lui rend dans l'événement et dans la certification. La
  déclaration nomme cette entrée (certification_url). Exigences : docs/contrat-portail.md.

  @obligatoire @ci @controle @PSP-PAR-5
  Scénario: Le compte existant est certifié et ProConnect lui rend sa référence
    Quand la personne ouvre la page de certification du compte existant pour le SIREN "901001008"
    Et elle se connecte à FranceConnect avec la persona "angela"
    Alors elle arrive sur la page de retour du portail
    Et le compte du portail passe à l'état "certified"
    Et la certification lue chez ProConnect porte la référence du compte et l'objet "certification"
    Et l'événement "certification.completed" livré au portail porte la référence du compte
