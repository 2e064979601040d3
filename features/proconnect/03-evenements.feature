# language: fr
@proconnect @evenements
Fonctionnalité: Événements poussés au portail, vérification et révocation
  ProConnect livre chaque événement au moins une fois, en réessayant tant que le portail ne répond pas 2xx ;
  il revérifie sans nouvelle connexion que la personne est toujours dirigeante, et prévient le portail sinon.

  Contexte:
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario
    Et une entreprise synthétique pour le scénario

  @obligatoire @ci @controle @exclusif
  Scénario: Le portail indisponible reçoit l'événement une fois revenu
    Soit le portail sera indisponible pour les 2 prochaines livraisons
    Quand le portail demande la certification du SIREN "{siren}"
    Et la personne suit le lien de certification et se connecte avec la persona "dirigeant:{siren}"
    Et ProConnect réessaie ses livraisons plus tard
    Alors l'événement "certification.completed" arrive au portail
    Et le portail a reçu l'événement une fois, après 3 tentatives

  @obligatoire @ci @controle
  Scénario: La vérification confirme un dirigeant toujours en fonction
    Quand le portail demande la certification du SIREN "{siren}"
    Et la personne suit le lien de certification et se connecte avec la persona "dirigeant:{siren}"
    Et le portail demande une nouvelle vérification
    Alors la réponse a le statut 200
    Et la vérification répond que la personne est toujours dirigeante

  @obligatoire @ci @controle
  Scénario: Un dirigeant parti n'est plus dirigeant, et le portail le sait
    Quand le portail demande la certification du SIREN "{siren}"
    Et la personne suit le lien de certification et se connecte avec la persona "dirigeant:{siren}"
    Et le dirigeant n°1 de l'entreprise "{siren}" quitte ses fonctions
    Et le portail demande une nouvelle vérification
    Alors la vérification répond que la personne n'est plus dirigeante
    Et l'événement "dirigeant.revoked" arrive au portail
    Et l'événement est signé par ProConnect pour ce portail
    Et l'événement a "data.reason" égal à "not_dirigeant"

  @obligatoire @ci @controle
  Scénario: La vérification de fond révoque quand l'entreprise cesse
    Quand le portail demande la certification du SIREN "{siren}"
    Et la personne suit le lien de certification et se connecte avec la persona "dirigeant:{siren}"
    Et l'entreprise "{siren}" cesse son activité le "2026-01-01"
    Et ProConnect refait ses vérifications de fond
    Alors l'événement "dirigeant.revoked" arrive au portail
    Et l'événement a "data.reason" égal à "company_ceased"
