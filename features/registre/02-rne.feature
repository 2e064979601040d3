# language: fr
@registre @rne
Fonctionnalité: API du Registre national des entreprises (INPI)
  Le RNE se consulte avec un jeton obtenu par POST /api/sso/login ; ses pouvoirs listent les
  dirigeants personnes physiques (INDIVIDU) et personnes morales (ENTREPRISE) ; un entrepreneur
  individuel est décrit dans personnePhysique.

  Contexte:
    Soit on est connecté au RNE

  @obligatoire @ci
  Scénario: Les pouvoirs d'une société avec plusieurs dirigeants
    Quand on consulte l'entreprise "901003004" au RNE
    Alors la réponse a le statut 200
    Et la réponse JSON contient :
      | chemin                                                                                  | valeur       |
      | siren                                                                                   | "901003004"  |
      | formality.content.natureCreation.formeJuridique                                         | "5710"       |
      | formality.content.personneMorale.composition.pouvoirs[0].typeDePersonne                 | "INDIVIDU"   |
      | formality.content.personneMorale.composition.pouvoirs[0].roleEntreprise                 | "73"         |
      | formality.content.personneMorale.composition.pouvoirs[0].individu.descriptionPersonne.nom | "MARTIN"   |
      | formality.content.personneMorale.composition.pouvoirs[0].individu.descriptionPersonne.prenoms | ["SOPHIE"] |
      | formality.content.personneMorale.composition.pouvoirs[0].individu.descriptionPersonne.genre | "2"      |
      | formality.content.personneMorale.composition.pouvoirs[0].individu.descriptionPersonne.dateDeNaissance | "1988-10-03" |
      | formality.content.personneMorale.composition.pouvoirs[0].individu.descriptionPersonne.codeInseeGeographique | "13055" |
      | formality.content.personneMorale.composition.pouvoirs[0].individu.descriptionPersonne.codePostalNaissance | "13001" |
      | formality.content.personneMorale.composition.pouvoirs[2].individu.descriptionPersonne.prenoms | ["Jean Philippe", "Pierre", "Louis"] |
    Et la réponse JSON n'a pas la clé "formality.content.personneMorale.composition.pouvoirs[0].actif"

  @obligatoire @ci
  Scénario: Un dirigeant personne morale
    Quand on consulte l'entreprise "901011007" au RNE
    Alors la réponse JSON contient :
      | chemin                                                                   | valeur           |
      | formality.content.personneMorale.composition.pouvoirs[0].typeDePersonne  | "ENTREPRISE"     |
      | formality.content.personneMorale.composition.pouvoirs[0].entreprise.siren | "901001008"     |
      | formality.content.personneMorale.composition.pouvoirs[0].entreprise.denomination | "DUBOIS CONSEIL" |

  @obligatoire @ci
  Scénario: Un ancien dirigeant reste listé, inactif
    Quand on consulte l'entreprise "901014001" au RNE
    Alors la réponse JSON contient :
      | chemin                                                       | valeur |
      | formality.content.personneMorale.composition.pouvoirs[1].actif | false |

  @obligatoire @ci
  Scénario: Un dirigeant né à l'étranger
    Quand on consulte l'entreprise "901008003" au RNE
    Alors la réponse JSON contient :
      | chemin                                                                                       | valeur   |
      | formality.content.personneMorale.composition.pouvoirs[0].individu.descriptionPersonne.paysNaissance | "JAPON" |
      | formality.content.personneMorale.composition.pouvoirs[0].individu.descriptionPersonne.codePaysNaissance | "JPN" |
      | formality.content.personneMorale.composition.pouvoirs[0].individu.descriptionPersonne.codeInseeGeographique | null |

  @obligatoire @ci
  Scénario: Un entrepreneur individuel
    Quand on consulte l'entreprise "901004002" au RNE
    Alors la réponse JSON contient :
      | chemin                                                                         | valeur      |
      | formality.typePersonne                                                         | "P"         |
      | formality.content.personnePhysique.identite.entrepreneur.descriptionPersonne.nom | "GIRARD"  |
      | formality.content.personnePhysique.identite.entrepreneur.descriptionPersonne.dateDeNaissance | "1970-03-30" |
    Et la réponse JSON n'a pas la clé "formality.content.personneMorale"

  @obligatoire @ci
  Scénario: Une association n'est pas au RNE
    Quand on consulte l'entreprise "901005009" au RNE
    Alors la réponse a le statut 404
    Et la réponse JSON a "code" égal à "404"

  @obligatoire @ci
  Plan du scénario: Le RNE exige un jeton valide
    Quand on consulte l'entreprise "901001008" au RNE <jeton>
    Alors la réponse a le statut 401

    Exemples:
      | jeton                 |
      | sans jeton            |
      | avec un jeton falsifié |

  @obligatoire @ci
  Scénario: Un mauvais mot de passe est refusé
    Quand on se connecte au RNE avec l'identifiant "sandbox" et le mot de passe "faux"
    Alors la réponse a le statut 401
    Et la réponse JSON a "code" égal à "401"
