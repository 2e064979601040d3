# language: fr
@portail @securite
Fonctionnalité: L'API du portail (PSP API) n'accepte que les événements de ProConnect
  Un portail doit refuser (4xx) un événement dont la signature, le kid, l'alg, l'aud, l'iss ou l'exp est faux,
  accuser réception d'un doublon en l'appliquant une seule fois, et répondre en quelques secondes.

  @obligatoire @ci @delai
  Scénario: Un événement de ProConnect est accepté et appliqué, en quelques secondes
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour une nouvelle certification "A"
    Alors le portail accepte l'événement
    Et le portail a répondu en moins de 3 secondes
    Et le compte du portail pour l'événement forgé "A" est à l'état "certified"

  @obligatoire @ci
  Plan du scénario: Un événement falsifié est refusé et n'a aucun effet
    Quand on envoie au portail un événement "certified" pour une nouvelle certification "F" <défaut>
    Alors le portail refuse l'événement
    Et le compte du portail pour l'événement forgé "F" est à l'état ""

    Exemples:
      | défaut                                          |
      | signé par une autre clé                         |
      | avec un kid inconnu                             |
      | non signé (alg none)                            |
      | signé HS256 avec la clé publique de ProConnect  |
      | pour un autre portail                           |
      | d'un autre émetteur                             |
      | expiré                                          |

  @obligatoire @ci
  Plan du scénario: Un corps mal formé est refusé
    Quand on envoie au portail un corps "<corps>" de type "<type>"
    Alors le portail refuse l'événement

    Exemples:
      | corps           | type             |
      | pas un jwt      | application/jwt  |
      | {event:1}       | application/json |
      | a.b.c           | application/jwt  |

  @obligatoire @ci
  Scénario: Un doublon est accusé et appliqué une seule fois
    Quand ProConnect envoie au portail l'événement "certification.completed" "certified" pour une nouvelle certification "D"
    Et ProConnect envoie au portail l'événement "dirigeant.revoked" pour la certification "D"
    Et ProConnect renvoie au portail l'événement "certification.completed" de la certification "D" déjà reçu
    Alors le portail accepte l'événement
    Et le compte du portail pour l'événement forgé "D" est à l'état "revoked"
    Et le portail a appliqué 2 événements pour l'événement forgé "D"
