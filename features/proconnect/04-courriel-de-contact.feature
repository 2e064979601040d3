# language: fr
@proconnect @courriel
Fonctionnalité: Le courriel de contact du dirigeant
  Le dirigeant, prouvé par FranceConnect et le registre, indique un courriel de contact ; ProConnect lui
  envoie un lien de vérification à usage unique ; une fois vérifiée, l'adresse est référencée au registre,
  les portails qui ont certifié l'entreprise en sont informés et peuvent la lire.

  Contexte:
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario
    Et une entreprise synthétique pour le scénario

  @obligatoire @ci @controle
  Scénario: Le dirigeant fait vérifier son courriel de contact, que le portail reçoit et lit
    Quand le portail demande la certification du SIREN "{siren}"
    Et la personne suit le lien de certification et se connecte avec la persona "dirigeant:{siren}"
    Alors la certification a le résultat "certified"
    Quand la personne ouvre la page du courriel de contact de ProConnect
    Et elle indique le SIREN "{siren}" et se connecte avec la persona "dirigeant:{siren}"
    Alors ProConnect affiche la page "Votre courriel de contact" avec le statut 200
    Quand elle indique le courriel "contact-{siren}@exemple.test"
    Alors ProConnect affiche la page "Courriel envoyé"
    Et un courriel arrive à "contact-{siren}@exemple.test" avec l'objet "Vérifiez le courriel de contact de votre entreprise"
    Et le courriel est en français
    Et le courriel est en texte et en HTML, et chacun contient "{siren}" et le lien
    Quand la personne ouvre le lien du courriel
    Alors ProConnect affiche la page "Adresse vérifiée" avec le statut 200
    Et l'événement "contact_email.changed" pour "contact-{siren}@exemple.test" arrive au portail
    Et l'événement est signé par ProConnect pour ce portail
    Quand le portail lit le courriel de contact de l'entreprise
    Alors la réponse a le statut 200
    Et la réponse JSON a "contact_email" égal à "contact-{siren}@exemple.test"
    Et la réponse JSON a "siren" égal à "{siren}"
    Quand on est connecté au RNE
    Et on consulte le courriel de contact de l'entreprise "{siren}"
    Alors la réponse JSON a "contact_email" égal à "contact-{siren}@exemple.test"

  @obligatoire @ci @controle
  Scénario: Le dirigeant change son courriel de contact de la même façon
    Soit le dirigeant "dirigeant:{siren}" référence le courriel de contact vérifié "ancien-{siren}@exemple.test"
    Quand le dirigeant "dirigeant:{siren}" référence le courriel de contact vérifié "nouveau-{siren}@exemple.test"
    Et le portail lit le courriel de contact de l'entreprise
    Alors la réponse JSON a "contact_email" égal à "nouveau-{siren}@exemple.test"

  @obligatoire @ci @controle
  Scénario: Le lien de vérification ne sert qu'une fois
    Soit le dirigeant "dirigeant:{siren}" référence le courriel de contact vérifié "contact-{siren}@exemple.test"
    Quand la personne ouvre le lien du courriel
    Alors ProConnect affiche la page "Lien déjà utilisé" avec le statut 409

  @obligatoire @ci @controle
  Scénario: Un lien falsifié n'est pas reconnu et rien ne change
    Quand la personne ouvre la page du courriel de contact de ProConnect
    Et elle indique le SIREN "{siren}" et se connecte avec la persona "dirigeant:{siren}"
    Et elle indique le courriel "contact-{siren}@exemple.test"
    Et un courriel arrive à "contact-{siren}@exemple.test" avec l'objet "Vérifiez"
    Et la personne ouvre le lien du courriel avec un jeton falsifié
    Alors ProConnect affiche la page "Lien invalide" avec le statut 404
    Quand le portail lit le courriel de contact de l'entreprise
    Alors la réponse a le statut 404
    Et la réponse JSON a "type" égal à "https://proconnect-sandbox.example/problems/no-contact-email"

  @obligatoire @ci @controle @exclusif
  Scénario: Un lien de vérification expire après 24 heures
    Quand la personne ouvre la page du courriel de contact de ProConnect
    Et elle indique le SIREN "{siren}" et se connecte avec la persona "dirigeant:{siren}"
    Et elle indique le courriel "contact-{siren}@exemple.test"
    Et un courriel arrive à "contact-{siren}@exemple.test" avec l'objet "Vérifiez"
    Et 25 heures passent pour ProConnect
    Et la personne ouvre le lien du courriel
    Alors ProConnect affiche la page "Lien expiré" avec le statut 410
    Quand le portail lit le courriel de contact de l'entreprise
    Alors la réponse a le statut 404

  @obligatoire @ci @controle
  Scénario: Une adresse invalide est refusée sans envoyer de courriel
    Quand la personne ouvre la page du courriel de contact de ProConnect
    Et elle indique le SIREN "{siren}" et se connecte avec la persona "dirigeant:{siren}"
    Et elle indique le courriel "pas une adresse {siren}"
    Alors ProConnect affiche la page "Votre courriel de contact" avec le statut 400
    Et la page indique "Cette adresse n'est pas valide."
    Et aucun courriel n'arrive à "pas une adresse {siren}"

  @obligatoire @ci @controle
  Scénario: Une personne qui n'est pas dirigeante ne peut pas référencer de courriel
    Quand la personne ouvre la page du courriel de contact de ProConnect
    Et elle indique le SIREN "{siren}" et se connecte avec la persona "angela"
    Alors ProConnect affiche la page "Vous n'êtes pas reconnu comme dirigeant" avec le statut 403
    Quand le portail lit le courriel de contact de l'entreprise
    Alors la réponse a le statut 404

  @obligatoire @ci @controle
  Scénario: Un SIREN invalide est refusé avant FranceConnect
    Quand la personne ouvre la page du courriel de contact de ProConnect
    Et elle indique le SIREN "123456789" et se connecte avec la persona "angela"
    Alors ProConnect affiche la page "Numéro SIREN invalide" avec le statut 400
