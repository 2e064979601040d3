# language: fr
@portail @evenements
Fonctionnalité: Le portail accepte tous les événements de ProConnect, y compris ceux qu'il n'exploite pas
  ProConnect pousse aussi le courriel de contact vérifié du dirigeant (contact_email.changed) et pourra
  ajouter des champs à ses événements : un portail les acquitte (2xx) et ignore ce qu'il ne connaît pas.
  Un refus ferait réessayer ProConnect indéfiniment.

  @obligatoire @ci
  Scénario: Le portail acquitte le changement de courriel de contact du dirigeant
    Quand ProConnect envoie au portail l'événement "contact_email.changed" pour l'entreprise "901001008"
    Alors le portail accepte l'événement

  @obligatoire @ci
  Scénario: Le portail applique un événement enrichi de champs qu'il ne connaît pas
    Soit les événements suivants portent des champs que le portail ne connaît pas
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour une nouvelle certification "enrichie"
    Alors le portail accepte l'événement
    Et le compte du portail pour l'événement forgé "enrichie" est à l'état "certified"

  @obligatoire @ci
  Scénario: Une certification arrivée après la révocation ne recertifie pas le compte
    L'ordre des livraisons n'est pas garanti (au moins une fois, réessais) : la révocation est définitive.
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour une nouvelle certification "révoquée"
    Et ProConnect envoie au portail l'événement "dirigeant.revoked" pour la certification "révoquée"
    Et ProConnect envoie au portail, en retard, l'événement "certification.completed" "certified" de la certification "révoquée"
    Alors le portail accepte l'événement
    Et le compte du portail pour l'événement forgé "révoquée" est à l'état "revoked"
