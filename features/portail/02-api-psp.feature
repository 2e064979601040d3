# language: fr
@portail @securite
Fonctionnalité: L'API du portail (PSP API) n'accepte que les événements de ProConnect
  La personne a lancé une certification sur le portail (son compte est en attente) ; la suite envoie au
  portail, sur son events_url, des événements sur cette certification : ceux de ProConnect sont acceptés
  et appliqués, les faux sont refusés (4xx) et n'ont aucun effet. Exigences : docs/contrat-portail.md.

  Contexte:
    Soit la personne a lancé une certification sur le portail pour le SIREN "901001008"

  @obligatoire @ci @delai @PSP-EVT-1
  Scénario: Un événement de ProConnect est accepté et appliqué, en quelques secondes
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification
    Alors le portail accepte l'événement
    Et le portail a répondu en moins de 3 secondes
    Et le compte du portail est à l'état "certified"

  @obligatoire @ci @PSP-EVT-2 @PSP-EVT-7
  Plan du scénario: Un événement mal signé est refusé et n'a aucun effet
    Quand on envoie au portail un événement "certified" pour cette certification <défaut>
    Alors le portail refuse l'événement
    Et le compte du portail est à l'état "pending"

    Exemples:
      | défaut                                          |
      | signé par une autre clé                         |
      | avec une signature altérée                      |
      | avec un kid inconnu                             |
      | sans kid                                        |
      | non signé (alg none)                            |
      | signé HS256 avec la clé publique de ProConnect  |

  @obligatoire @ci @PSP-EVT-3 @PSP-EVT-7
  Plan du scénario: Un événement qui apporte sa propre clé est refusé
    Quand on envoie au portail un événement "certified" pour cette certification <défaut>
    Alors le portail refuse l'événement
    Et le compte du portail est à l'état "pending"

    Exemples:
      | défaut                                      |
      | qui porte sa clé dans l'en-tête jwk         |
      | qui désigne sa clé par jku                  |
      | qui désigne son certificat par x5u          |
      | qui porte son certificat dans l'en-tête x5c |

  @obligatoire @ci @PSP-EVT-4 @PSP-EVT-7
  Plan du scénario: Un jeton d'un autre type n'est pas un événement
    Quand on envoie au portail un événement "certified" pour cette certification <défaut>
    Alors le portail refuse l'événement
    Et le compte du portail est à l'état "pending"

    Exemples:
      | défaut                               |
      | de type JWT                          |
      | de type at+jwt                       |
      | sans typ                             |
      | avec une extension critique inconnue |

  @obligatoire @ci @PSP-EVT-5 @PSP-EVT-7
  Plan du scénario: L'émetteur et le destinataire sont comparés exactement
    Quand on envoie au portail un événement "certified" pour cette certification <défaut>
    Alors le portail refuse l'événement
    Et le compte du portail est à l'état "pending"

    Exemples:
      | défaut                                                |
      | pour un autre portail                                 |
      | pour un portail au nom voisin                         |
      | pour le portail écrit en majuscules                   |
      | pour une liste de portails sans celui-ci              |
      | d'un autre émetteur                                   |
      | d'un émetteur dont l'URL prolonge celle de ProConnect |
      | d'un émetteur écrit avec une barre finale             |
      | d'un émetteur écrit en majuscules                     |

  @obligatoire @ci @PSP-EVT-5
  Scénario: Un événement destiné à plusieurs portails dont celui-ci est accepté
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification, destiné à plusieurs portails dont celui-ci
    Alors le portail accepte l'événement
    Et le compte du portail est à l'état "certified"

  @obligatoire @ci @PSP-EVT-6 @PSP-EVT-7
  Plan du scénario: Les dates de l'événement sont vérifiées
    Quand on envoie au portail un événement "certified" pour cette certification <défaut>
    Alors le portail refuse l'événement
    Et le compte du portail est à l'état "pending"

    Exemples:
      | défaut                    |
      | expiré                    |
      | expiré depuis 90 secondes |
      | sans exp                  |
      | émis dans une heure       |
      | émis dans 90 secondes     |
      | sans iat                  |
      | dont les dates ne sont pas des nombres |

  @obligatoire @ci @PSP-EVT-7
  Plan du scénario: Un corps mal formé est refusé
    Quand on envoie au portail un corps "<corps>" de type "<type>"
    Alors le portail refuse l'événement

    Exemples:
      | corps           | type             |
      | pas un jwt      | application/jwt  |
      | {event:1}       | application/json |
      | a.b.c           | application/jwt  |

  @obligatoire @ci @PSP-EVT-7
  Plan du scénario: Un événement valide envoyé sous un autre type de contenu est refusé
    Quand on envoie au portail un événement valide pour cette certification avec le type de contenu "<type>"
    Alors le portail refuse l'événement
    Et le compte du portail est à l'état "pending"

    Exemples:
      | type             |
      | application/json |
      | text/plain       |

  @obligatoire @ci @PSP-EVT-8
  Scénario: Un doublon est accusé et appliqué une seule fois
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification
    Et ProConnect renvoie au portail l'événement "certification.completed" déjà reçu
    Alors le portail accepte l'événement
    Et le compte du portail est à l'état "certified"
    Et le portail a appliqué 1 événement pour cette certification

  @obligatoire @ci @PSP-EVT-8
  Scénario: Un doublon qui arrive plus tard, signé de nouveau, est encore reconnu
    ProConnect réessaie pendant des jours, en signant chaque essai de nouveau sous le même jti.
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification
    Et ProConnect renvoie au portail, 3 secondes plus tard, l'événement "certification.completed" déjà reçu, signé de nouveau
    Alors le portail accepte l'événement
    Et le portail a appliqué 1 événement pour cette certification

  @obligatoire @ci @PSP-EVT-8 @PSP-EVT-2
  Scénario: Un faux événement ne fait pas passer le vrai pour un doublon
    Quand on envoie au portail un faux événement "certified" pour cette certification, signé par une autre clé, sous le jti du suivant
    Alors le portail refuse l'événement
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification, sous ce jti
    Alors le portail accepte l'événement
    Et le compte du portail est à l'état "certified"
