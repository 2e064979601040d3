# language: fr
@registre @apientreprise
Fonctionnalité: API Entreprise, le registre de repli
  API Entreprise donne l'unité légale (INSEE) et les mandataires sociaux (Infogreffe) ; ProConnect
  les lit quand le RNE est en panne. Chaque appel porte le jeton en Bearer et les paramètres
  context, recipient et object ; les erreurs sont une liste {"errors": [{code, title, detail}]}.
  Les réponses viennent des mêmes entreprises que l'INSEE et le RNE du bac à sable.

  @obligatoire @ci
  Scénario: Sans jeton, API Entreprise refuse l'appel
    Quand on interroge API Entreprise "/v3/infogreffe/rcs/unites_legales/901003004/mandataires_sociaux" sans jeton
    Alors la réponse a le statut 401
    Et la réponse JSON contient :
      | chemin           | valeur                                                |
      | errors[0].code   | "00101"                                               |
      | errors[0].detail | "Votre token n'est pas valide ou n'est pas renseigné" |

  @obligatoire @ci
  Scénario: Un jeton inconnu est refusé de même
    Quand on interroge API Entreprise "/v3/insee/sirene/unites_legales/901003004" avec le jeton "jeton-inconnu"
    Alors la réponse a le statut 401
    Et la réponse JSON contient :
      | chemin         | valeur  |
      | errors[0].code | "00101" |

  @obligatoire @ci
  Plan du scénario: Les paramètres context, recipient et object sont obligatoires
    Quand on interroge API Entreprise "/v3/infogreffe/rcs/unites_legales/901003004/mandataires_sociaux" sans le paramètre "<paramètre>"
    Alors la réponse a le statut 422
    Et la réponse JSON contient :
      | chemin                     | valeur                                      |
      | errors[0].title            | "Entité non traitable"                      |
      | errors[0].detail           | "Le paramètre <paramètre> est obligatoire"  |
      | errors[0].source.parameter | "<paramètre>"                               |

    Exemples:
      | paramètre |
      | context   |
      | recipient |
      | object    |

  @obligatoire @ci
  Scénario: L'unité légale d'une entreprise du registre
    Quand on interroge API Entreprise "/v3/insee/sirene/unites_legales/901003004"
    Alors la réponse a le statut 200
    Et la réponse JSON contient :
      | chemin                                        | valeur               |
      | data.siren                                    | "901003004"          |
      | data.siret_siege_social                       | "90100300400016"     |
      | data.type                                     | "personne_morale"    |
      | data.personne_morale_attributs.raison_sociale | "MARTIN ET ASSOCIES" |
      | data.forme_juridique.code                     | "5710"               |
      | data.etat_administratif                       | "A"                  |

  @obligatoire @ci
  Scénario: Les mandataires sociaux d'une entreprise sont ses dirigeants au RNE
    Quand on interroge API Entreprise "/v3/infogreffe/rcs/unites_legales/901003004/mandataires_sociaux"
    Alors la réponse a le statut 200
    Et la réponse JSON contient :
      | chemin                                | valeur                       |
      | meta.count                            | 3                            |
      | meta.personnes_physiques_count        | 3                            |
      | data[0].data.type                     | "personne_physique"          |
      | data[0].data.fonction                 | "PRESIDENT"                  |
      | data[0].data.nom                      | "MARTIN"                     |
      | data[0].data.prenom                   | "SOPHIE"                     |
      | data[0].data.date_naissance           | "1988-10-03"                 |
      | data[0].data.date_naissance_timestamp | 591840000000                 |
      | data[0].data.lieu_naissance           | "MARSEILLE"                  |
      | data[0].data.code_pays_naissance      | "FR"                         |
      | data[2].data.prenom                   | "Jean Philippe Pierre Louis" |

  @obligatoire @ci
  Scénario: Un dirigeant personne morale est un mandataire personne morale
    Quand on interroge API Entreprise "/v3/infogreffe/rcs/unites_legales/901011007/mandataires_sociaux"
    Alors la réponse JSON contient :
      | chemin                             | valeur            |
      | data[0].data.type                  | "personne_morale" |
      | data[0].data.numero_identification | "901001008"       |
      | meta.personnes_morales_count       | 1                 |

  @obligatoire @ci
  Scénario: Les mandataires d'une entreprise synthétique sont ses dirigeants au RNE
    Soit une entreprise synthétique pour le scénario
    Et on est connecté au RNE
    Quand on consulte l'entreprise "{siren}" au RNE
    Et on interroge API Entreprise "/v3/infogreffe/rcs/unites_legales/{siren}/mandataires_sociaux"
    Alors la réponse a le statut 200
    Et les mandataires sociaux sont les dirigeants personnes physiques lus au RNE

  @obligatoire @ci
  Scénario: Un SIREN inconnu d'Infogreffe
    Quand on interroge API Entreprise "/v3/infogreffe/rcs/unites_legales/999999998/mandataires_sociaux"
    Alors la réponse a le statut 404
    Et la réponse JSON contient :
      | chemin                             | valeur                |
      | errors[0].code                     | "02003"               |
      | errors[0].title                    | "Entité non trouvée"  |
      | errors[0].meta.provider            | "Infogreffe"          |
      | errors[0].meta.provider_error.code | "006"                 |

  @obligatoire @ci
  Scénario: Un SIREN inconnu de l'INSEE
    Quand on interroge API Entreprise "/v3/insee/sirene/unites_legales/999999998"
    Alors la réponse a le statut 404
    Et la réponse JSON contient :
      | chemin              | valeur               |
      | errors[0].title     | "Entité non trouvée" |
      | errors[0].meta.provider | "INSEE"          |
