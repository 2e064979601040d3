# language: fr
@proconnect @certification @apientreprise
Fonctionnalité: ProConnect lit API Entreprise quand le RNE est en panne
  Quelle que soit l'erreur du RNE (404 compris), ProConnect lit les mandataires sociaux d'Infogreffe
  à API Entreprise et compare l'identité FranceConnect à ces personnes : Infogreffe ne donne ni le
  sexe ni la commune de naissance, qui ne comptent donc pas contre la personne.

  Contexte:
    Soit un portail enregistré auprès de PISTE et de ProConnect pour le scénario

  @obligatoire @ci @controle
  Scénario: Une panne du RNE n'empêche pas la certification
    Soit une entreprise synthétique pour le scénario
    Et le RNE est indisponible pour l'entreprise "{siren}"
    Quand le portail demande la certification du SIREN "{siren}"
    Et la personne suit le lien de certification et se connecte avec la persona "dirigeant:{siren}"
    Alors la certification a le résultat "certified"
    Et ProConnect a lu les mandataires sociaux de l'entreprise "{siren}" à API Entreprise
