# language: fr
@portail @acces
Fonctionnalité: Le portail inscrit les collaborateurs que le dirigeant accepte
  Le portail dépose, par son access_request_url, la demande d'un collaborateur ; le dirigeant l'accepte
  ou la refuse depuis le courriel de ProConnect ; le portail finalise l'inscription dès l'événement reçu
  et l'expose par son access_status_url. Exigences : docs/contrat-portail.md.

  Contexte:
    Soit une entreprise synthétique pour le scénario
    Et on est connecté au RNE
    Et on référence le courriel de contact "dirigeant-{siren}@exemple.test" pour l'entreprise "{siren}"

  @obligatoire @ci @PSP-ACC-1 @PSP-ACC-2
  Scénario: Le dirigeant accepte : le compte du collaborateur est créé
    Quand un collaborateur "Camille" "Martin" <camille-{siren}@exemple.test> demande l'accès au portail pour l'entreprise
    Alors la demande d'accès du portail est à l'état "pending"
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès de Camille Martin"
    Quand la personne ouvre le lien du courriel
    Et elle se connecte avec FranceConnect avec la persona "dirigeant:{siren}"
    Et elle accepte la demande
    Alors ProConnect affiche la page "Demande acceptée"
    Et la demande d'accès du portail passe à l'état "approved"

  @obligatoire @ci @PSP-ACC-3
  Scénario: Le dirigeant refuse : aucun compte n'est créé
    Quand un collaborateur "Bruno" "Petit" <bruno-{siren}@exemple.test> demande l'accès au portail pour l'entreprise
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès de Bruno Petit"
    Et la personne ouvre le lien du courriel
    Et elle se connecte avec FranceConnect avec la persona "dirigeant:{siren}"
    Et elle refuse la demande
    Alors la demande d'accès du portail passe à l'état "refused"

  @obligatoire @ci @PSP-ACC-1
  Scénario: Une personne qui n'est pas dirigeante ne change pas la demande
    Quand un collaborateur "Camille" "Martin" <camille-{siren}@exemple.test> demande l'accès au portail pour l'entreprise
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès"
    Et la personne ouvre le lien du courriel
    Et elle se connecte avec FranceConnect avec la persona "angela"
    Alors ProConnect affiche la page "Vous n'êtes pas reconnu comme dirigeant" avec le statut 403
    Et la demande d'accès du portail est à l'état "pending"

  @obligatoire @ci @controle @exclusif @PSP-ACC-3
  Scénario: Sans réponse en 7 jours, le portail voit la demande expirer
    Quand un collaborateur "Camille" "Martin" <camille-{siren}@exemple.test> demande l'accès au portail pour l'entreprise
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès"
    Et 8 jours passent pour ProConnect
    Et ProConnect constate les demandes expirées
    Alors la demande d'accès du portail passe à l'état "expired"

  @obligatoire @ci @PSP-ACC-4
  Scénario: Sans courriel de contact, le portail ne crée pas de demande
    Soit une entreprise synthétique pour le scénario
    Quand un collaborateur "Camille" "Martin" <camille-{siren}@exemple.test> demande l'accès au portail pour une entreprise sans courriel de contact
    Alors le portail refuse la demande sans l'inventer
