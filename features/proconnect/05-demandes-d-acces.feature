# language: fr
@proconnect @acces
Fonctionnalité: Les demandes d'accès des collaborateurs
  Un collaborateur demande à s'inscrire sur un portail pour le compte d'une entreprise ; le portail dépose
  une demande d'accès ; ProConnect écrit au courriel de contact du dirigeant, qui se connecte avec
  FranceConnect, est reconnu dirigeant par le registre, puis accepte ou refuse ; le portail en est
  informé. Sans réponse, la demande expire au bout de 7 jours.

  Contexte:
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario
    Et une entreprise synthétique pour le scénario
    Et on est connecté au RNE
    Et on référence le courriel de contact "dirigeant-{siren}@exemple.test" pour l'entreprise "{siren}"

  @obligatoire @ci @controle
  Scénario: Le dirigeant accepte la demande par courriel et le portail en est informé
    Quand le portail dépose une demande d'accès pour "Camille" "Martin" <camille-{siren}@exemple.test>
    Alors la réponse a le statut 202
    Et la réponse JSON a "status" égal à "pending"
    Et l'en-tête "Location" commence par "http"
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès de Camille Martin à « Portail du scénario »"
    Et le courriel est en français
    Et le courriel est en texte et en HTML, et chacun contient "Camille Martin" et le lien
    Et le courriel est en texte et en HTML, et chacun contient "Portail du scénario" et le lien
    Quand la personne ouvre le lien du courriel
    Alors ProConnect affiche la page "Demande d'accès à examiner" avec le statut 200
    Et la page indique "camille-{siren}@exemple.test"
    Quand elle se connecte avec FranceConnect avec la persona "dirigeant:{siren}"
    Alors ProConnect affiche la page "Accepter ou refuser la demande d'accès" avec le statut 200
    Et la page indique "Portail du scénario"
    Quand elle accepte la demande
    Alors ProConnect affiche la page "Demande acceptée" avec le statut 200
    Et l'événement "access_request.approved" de la demande d'accès arrive au portail
    Et l'événement est signé par ProConnect pour ce portail
    Et l'événement a "data.siren" égal à "{siren}"
    Et l'événement a "data.collaborator.email" égal à "camille-{siren}@exemple.test"
    Et l'événement a "data.collaborator.given_name" égal à "Camille"
    Et l'événement a "data.collaborator.family_name" égal à "Martin"
    Et la demande d'accès est à l'état "approved"
    Et "camille-{siren}@exemple.test" n'a reçu que 0 courriel

  @obligatoire @ci @controle
  Scénario: Le dirigeant refuse la demande
    Quand le portail dépose une demande d'accès pour "Bruno" "Petit" <bruno-{siren}@exemple.test>
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès de Bruno Petit"
    Et la personne ouvre le lien du courriel
    Et elle se connecte avec FranceConnect avec la persona "dirigeant:{siren}"
    Et elle refuse la demande
    Alors ProConnect affiche la page "Demande refusée" avec le statut 200
    Et l'événement "access_request.refused" de la demande d'accès arrive au portail
    Et la demande d'accès est à l'état "refused"

  @obligatoire @ci @controle
  Scénario: Un lien déjà utilisé montre que la demande est traitée, sans rien changer
    Quand le portail dépose une demande d'accès pour "Camille" "Martin" <camille-{siren}@exemple.test>
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès"
    Et la personne ouvre le lien du courriel
    Et elle se connecte avec FranceConnect avec la persona "dirigeant:{siren}"
    Et elle refuse la demande
    Et la personne ouvre le lien du courriel
    Alors ProConnect affiche la page "Demande déjà traitée" avec le statut 409
    Et la demande d'accès est à l'état "refused"

  @obligatoire @ci @controle
  Scénario: Une personne qui n'est pas dirigeante voit un refus clair et la demande reste en attente
    Quand le portail dépose une demande d'accès pour "Camille" "Martin" <camille-{siren}@exemple.test>
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès"
    Et la personne ouvre le lien du courriel
    Et elle se connecte avec FranceConnect avec la persona "angela"
    Alors ProConnect affiche la page "Vous n'êtes pas reconnu comme dirigeant" avec le statut 403
    Et la demande d'accès est à l'état "pending"
    Quand la personne ouvre le lien du courriel
    Alors ProConnect affiche la page "Demande d'accès à examiner" avec le statut 200

  @obligatoire @ci @controle
  Scénario: Un lien falsifié n'ouvre rien
    Quand le portail dépose une demande d'accès pour "Camille" "Martin" <camille-{siren}@exemple.test>
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès"
    Et la personne ouvre le lien du courriel avec un jeton falsifié
    Alors ProConnect affiche la page "Lien invalide" avec le statut 404
    Et la demande d'accès est à l'état "pending"

  @obligatoire @ci @controle
  Scénario: Une demande en double désigne la première et n'envoie pas de second courriel
    Quand le portail dépose une demande d'accès pour "Camille" "Martin" <camille-{siren}@exemple.test>
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès"
    Et le portail dépose une demande d'accès pour "Camille" "Martin" <Camille-{siren}@exemple.test>
    Alors la réponse a le statut 202
    Et la réponse désigne la même demande d'accès
    Et la réponse JSON a "existing" égal à true
    Et "dirigeant-{siren}@exemple.test" n'a reçu que 1 courriel

  @obligatoire @ci @controle
  Scénario: Sans courriel de contact, la demande est refusée par un problème explicite
    Soit une entreprise synthétique pour le scénario
    Quand le portail dépose une demande d'accès pour "Camille" "Martin" <camille-{siren}@exemple.test>
    Alors la réponse a le statut 409
    Et l'en-tête "Content-Type" commence par "application/problem+json"
    Et la réponse JSON a "type" égal à "https://proconnect-sandbox.example/problems/no-contact-email"

  @obligatoire @ci @controle
  Plan du scénario: Une demande mal formée est refusée champ par champ
    Quand le portail dépose une demande d'accès avec :
      | champ                     | valeur                        |
      | siren                     | <siren>                       |
      | collaborator.email        | <email>                       |
      | collaborator.given_name   | <prénom>                      |
      | collaborator.family_name  | Martin                        |
    Alors la réponse a le statut 400
    Et l'en-tête "Content-Type" commence par "application/problem+json"
    Et la réponse JSON a "field" égal à "<champ>"

    Exemples:
      | siren     | email                      | prénom | champ                     |
      | 123456789 | camille@exemple.test       | Camille | siren                    |
      | {siren}   | pas-une-adresse            | Camille | collaborator.email       |
      | {siren}   | camille@exemple.test       |         | collaborator.given_name  |

  @obligatoire @ci @controle @exclusif
  Scénario: Une demande sans réponse expire au bout de 7 jours
    Quand le portail dépose une demande d'accès pour "Camille" "Martin" <camille-{siren}@exemple.test>
    Et un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès"
    Et 8 jours passent pour ProConnect
    Et ProConnect constate les demandes expirées
    Alors l'événement "access_request.expired" de la demande d'accès arrive au portail
    Et la demande d'accès est à l'état "expired"
    Quand la personne ouvre le lien du courriel
    Alors ProConnect affiche la page "Demande expirée" avec le statut 410

  @obligatoire @ci @controle @exclusif
  Scénario: Serveur de courriel en panne : la demande est gardée et le courriel part quand il revient
    Soit le serveur de courriel est en panne
    Quand le portail dépose une demande d'accès pour "Camille" "Martin" <camille-{siren}@exemple.test>
    Alors la réponse a le statut 202
    Et aucun courriel n'arrive à "dirigeant-{siren}@exemple.test"
    Et la demande d'accès est à l'état "pending"
    Quand le serveur de courriel revient
    Et ProConnect réessaie ses envois plus tard
    Alors un courriel arrive à "dirigeant-{siren}@exemple.test" avec l'objet "Demande d'accès de Camille Martin"
    Quand la personne ouvre le lien du courriel
    Et elle se connecte avec FranceConnect avec la persona "dirigeant:{siren}"
    Et elle accepte la demande
    Alors l'événement "access_request.approved" de la demande d'accès arrive au portail
