# language: fr
@portail @securite @cles
Fonctionnalité: Le portail garde les clés de ProConnect en cache et suit leur changement
  Le portail lit le JWKS de ProConnect une fois, le relit pour un kid qu'il ne connaît pas (ProConnect a
  changé de clé), et espace ces relectures : un kid inventé ne doit pas lui faire interroger ProConnect à
  chaque fois. La suite compte les lectures du JWKS dans le journal de ProConnect : ces scénarios tournent
  seuls. Exigences : docs/contrat-portail.md.

  @obligatoire @ci @controle @exclusif @PSP-CLE-1
  Scénario: Le JWKS n'est pas relu à chaque événement
    Quand ProConnect envoie au portail 10 événements valides
    Alors le portail a lu le JWKS de ProConnect au plus 2 fois pendant ce temps

  @obligatoire @ci @controle @exclusif @PSP-CLE-3
  Scénario: Un kid inconnu ne fait pas relire le JWKS à chaque fois
    Quand on envoie au portail 20 événements signés d'un kid inconnu
    Alors le portail a lu le JWKS de ProConnect au plus 3 fois pendant ce temps

  @obligatoire @ci @controle @exclusif @PSP-CLE-2
  Scénario: Un événement signé par la nouvelle clé de ProConnect est accepté
    Soit la personne a lancé une certification sur le portail pour le SIREN "901001008"
    Et ProConnect envoie au portail l'événement "contact_email.changed" pour l'entreprise "901001008"
    Et le portail accepte l'événement
    Quand ProConnect passe à une nouvelle clé de signature
    Et ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification, signé de sa nouvelle clé, jusqu'à ce qu'il l'accepte
    Alors le compte du portail est à l'état "certified"
