# language: fr
@portail @evenements
Fonctionnalité: Le portail accepte tous les événements de ProConnect, y compris ceux qu'il n'exploite pas
  ProConnect pousse aussi le courriel de contact vérifié du dirigeant (contact_email.changed), pourra
  ajouter des types et des champs à ses événements, et ne promet aucun ordre de livraison : un portail
  acquitte (2xx) tout événement valide, ignore ce qu'il ne connaît pas, et tient une révocation pour
  définitive. Un refus ferait réessayer ProConnect indéfiniment. Exigences : docs/contrat-portail.md.

  @obligatoire @ci @PSP-EVT-10
  Scénario: Le portail acquitte le changement de courriel de contact du dirigeant
    Quand ProConnect envoie au portail l'événement "contact_email.changed" pour l'entreprise "901001008"
    Alors le portail accepte l'événement

  @obligatoire @ci @PSP-EVT-10
  Scénario: Le portail acquitte un événement d'un type qu'il ne connaît pas encore
    Quand ProConnect envoie au portail un événement d'un type à venir
    Alors le portail accepte l'événement

  @obligatoire @ci @PSP-EVT-10
  Scénario: Le portail applique un événement enrichi de champs qu'il ne connaît pas
    Soit la personne a lancé une certification sur le portail pour le SIREN "901001008"
    Et les événements suivants portent des champs que le portail ne connaît pas
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification
    Alors le portail accepte l'événement
    Et le compte du portail est à l'état "certified"

  @obligatoire @ci @PSP-EVT-9
  Scénario: Une certification arrivée après la révocation ne recertifie pas le compte
    Soit la personne a lancé une certification sur le portail pour le SIREN "901001008"
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification
    Et ProConnect envoie au portail l'événement "dirigeant.revoked" pour cette certification
    Et ProConnect envoie au portail, en retard, l'événement "certification.completed" "certified" de cette certification
    Alors le portail accepte l'événement
    Et le compte du portail est à l'état "revoked"

  @obligatoire @ci @PSP-EVT-9
  Scénario: Une révocation arrivée avant la certification reste définitive
    Soit la personne a lancé une certification sur le portail pour le SIREN "901001008"
    Quand ProConnect envoie au portail l'événement "dirigeant.revoked" pour cette certification
    Et ProConnect envoie au portail, en retard, l'événement "certification.completed" "certified" de cette certification
    Alors le portail accepte l'événement
    Et le compte du portail est à l'état "revoked"

  @obligatoire @ci @PSP-EVT-11
  Scénario: Un événement sur un compte que le portail n'a pas ouvert est acquitté
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" d'une certification que le portail n'a pas lancée
    Alors le portail accepte l'événement

  @obligatoire @ci @PSP-VER-1 @PSP-EVT-9
  Scénario: La révocation d'un dirigeant ne touche pas le compte d'un autre dirigeant de l'entreprise
    Soit la personne a lancé une certification sur le portail pour le SIREN "901003004"
    Et une deuxième personne a lancé une certification sur le portail pour le SIREN "901003004"
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification
    Et ProConnect envoie au portail l'événement "certification.completed" "certified" pour la certification de la deuxième personne
    Et ProConnect envoie au portail l'événement "dirigeant.revoked" pour cette certification
    Alors le compte du portail est à l'état "revoked"
    Et le compte de la deuxième personne est à l'état "certified"
