# language: fr
@registre @insee
Fonctionnalité: API Sirene 3.11 de l'INSEE
  Le registre simulé répond dans les formes de l'API Sirene 3.11 : un en-tête header, l'unité légale
  et ses périodes (la période courante sans dateFin), les champs masqués [ND] des unités à diffusion
  partielle, et les erreurs de l'INSEE. L'API publique prend sa clé dans l'en-tête
  X-INSEE-Api-Key-Integration ; l'API privée prend un jeton d'accès OAuth2 (Authorization: Bearer),
  obtenu par le flux « password » au serveur de jetons d'INSEE.

  @obligatoire @ci
  Scénario: Une société active, champ par champ
    Quand on interroge l'API Sirene "/siren/901001008"
    Alors la réponse a le statut 200
    Et la réponse JSON contient :
      | chemin                                                          | valeur                  |
      | header.statut                                                   | 200                     |
      | header.message                                                  | "OK"                    |
      | uniteLegale.siren                                               | "901001008"             |
      | uniteLegale.statutDiffusionUniteLegale                          | "O"                     |
      | uniteLegale.dateCreationUniteLegale                             | "2015-03-02"            |
      | uniteLegale.sexeUniteLegale                                     | null                    |
      | uniteLegale.nombrePeriodesUniteLegale                           | 1                       |
      | uniteLegale.periodesUniteLegale[0].dateFin                      | null                    |
      | uniteLegale.periodesUniteLegale[0].etatAdministratifUniteLegale | "A"                     |
      | uniteLegale.periodesUniteLegale[0].denominationUniteLegale      | "DUBOIS CONSEIL"        |
      | uniteLegale.periodesUniteLegale[0].nomUniteLegale               | null                    |
      | uniteLegale.periodesUniteLegale[0].categorieJuridiqueUniteLegale | "5710"                 |
      | uniteLegale.periodesUniteLegale[0].activitePrincipaleUniteLegale | "70.22Z"               |
      | uniteLegale.periodesUniteLegale[0].nicSiegeUniteLegale          | "00019"                 |
    Et la réponse JSON n'a pas la clé "uniteLegale.dateNaissanceUniteLegale"

  @obligatoire @ci
  Scénario: Un entrepreneur individuel sur l'API privée, avec ses données de naissance
    Quand on interroge l'API Sirene privée "/siren/901004002"
    Alors la réponse a le statut 200
    Et la réponse JSON contient :
      | chemin                                                          | valeur     |
      | uniteLegale.sexeUniteLegale                                     | "M"        |
      | uniteLegale.prenom1UniteLegale                                  | "PAUL"     |
      | uniteLegale.prenom2UniteLegale                                  | "HENRI"    |
      | uniteLegale.prenomUsuelUniteLegale                              | "PAUL"     |
      | uniteLegale.dateNaissanceUniteLegale                            | "19700330" |
      | uniteLegale.codeCommuneNaissanceUniteLegale                     | "44109"    |
      | uniteLegale.periodesUniteLegale[0].nomUniteLegale               | "GIRARD"   |
      | uniteLegale.periodesUniteLegale[0].denominationUniteLegale      | null       |
      | uniteLegale.periodesUniteLegale[0].categorieJuridiqueUniteLegale | "1000"    |

  @obligatoire @ci
  Scénario: Une association
    Quand on interroge l'API Sirene "/siren/901005009"
    Alors la réponse JSON contient :
      | chemin                                                          | valeur       |
      | uniteLegale.identifiantAssociationUniteLegale                   | "W901005009" |
      | uniteLegale.periodesUniteLegale[0].categorieJuridiqueUniteLegale | "9220"      |
      | uniteLegale.periodesUniteLegale[0].economieSocialeSolidaireUniteLegale | "O"   |

  @obligatoire @ci
  Scénario: Une société cessée garde son historique
    Quand on interroge l'API Sirene "/siren/901006007"
    Alors la réponse JSON contient :
      | chemin                                                                   | valeur       |
      | uniteLegale.nombrePeriodesUniteLegale                                    | 2            |
      | uniteLegale.periodesUniteLegale[0].dateFin                               | null         |
      | uniteLegale.periodesUniteLegale[0].dateDebut                             | "2020-06-30" |
      | uniteLegale.periodesUniteLegale[0].etatAdministratifUniteLegale          | "C"          |
      | uniteLegale.periodesUniteLegale[0].changementEtatAdministratifUniteLegale | true        |
      | uniteLegale.periodesUniteLegale[1].dateFin                               | "2020-06-29" |
      | uniteLegale.periodesUniteLegale[1].etatAdministratifUniteLegale          | "A"          |

  @obligatoire @ci
  Scénario: Une unité à diffusion partielle est masquée sur l'API publique
    Quand on interroge l'API Sirene "/siren/901007005"
    Alors la réponse JSON contient :
      | chemin                                            | valeur   |
      | uniteLegale.statutDiffusionUniteLegale            | "P"      |
      | uniteLegale.sexeUniteLegale                       | "[ND]"   |
      | uniteLegale.prenom1UniteLegale                    | "[ND]"   |
      | uniteLegale.periodesUniteLegale[0].nomUniteLegale | "[ND]"   |

  @obligatoire @ci
  Scénario: L'API privée donne l'identité d'une unité à diffusion partielle
    Quand on interroge l'API Sirene privée "/siren/901007005"
    Alors la réponse JSON contient :
      | chemin                                            | valeur     |
      | uniteLegale.prenom1UniteLegale                    | "LUCIE"    |
      | uniteLegale.periodesUniteLegale[0].nomUniteLegale | "BONNET"   |
      | uniteLegale.dateNaissanceUniteLegale              | "19840721" |

  @obligatoire @ci
  Scénario: Une unité fermée pour doublon renvoie 301 vers l'unité qui la remplace
    Quand on interroge l'API Sirene "/siren/901012005"
    Alors la réponse a le statut 301
    Et l'en-tête "Location" désigne l'unité légale "901001008"
    Et la réponse JSON a "header.statut" égal à 301

  @obligatoire @ci
  Scénario: Un SIREN absent du répertoire
    Quand on interroge l'API Sirene "/siren/999999998"
    Alors la réponse a le statut 404
    Et la réponse JSON contient :
      | chemin         | valeur                                          |
      | header.statut  | 404                                             |
      | header.message | "Aucun élément trouvé pour le siren 999999998"  |

  @obligatoire @ci
  Plan du scénario: Un identifiant mal formé est refusé (400)
    Quand on interroge l'API Sirene "<chemin>"
    Alors la réponse a le statut 400
    Et la réponse JSON a "header.statut" égal à 400

    Exemples:
      | chemin                  |
      | /siren/12345            |
      | /siren/90100100A        |
      | /siret/9010010080001    |
      | /siren/901001008?date=hier |

  @obligatoire @ci
  Plan du scénario: Sans clé d'API connue, l'API refuse (401)
    Quand on interroge l'API Sirene "/siren/901001008" <clé>
    Alors la réponse a le statut 401

    Exemples:
      | clé                              |
      | sans clé d'API                   |
      | avec la clé d'API "mauvaise-clé" |

  @obligatoire @ci
  Scénario: Les valeurs à une date passée
    Quand on interroge l'API Sirene "/siren/901003004?date=2015-01-01"
    Alors la réponse JSON contient :
      | chemin                                                     | valeur           |
      | uniteLegale.periodesUniteLegale[0].denominationUniteLegale | "MARTIN CONSEIL" |
      | uniteLegale.periodesUniteLegale[0].dateFin                 | "2019-04-30"     |

  @obligatoire @ci
  Scénario: champs et masquerValeursNulles
    Quand on interroge l'API Sirene "/siren/901001008?champs=siren,denominationUniteLegale,sigleUniteLegale&masquerValeursNulles=true"
    Alors l'objet JSON "uniteLegale" contient exactement les clés "siren, periodesUniteLegale"
    Et l'objet JSON "uniteLegale.periodesUniteLegale[0]" contient exactement les clés "denominationUniteLegale"

  @obligatoire @ci
  Scénario: L'établissement siège
    Quand on interroge l'API Sirene "/siret/90100100800019"
    Alors la réponse a le statut 200
    Et la réponse JSON contient :
      | chemin                                                  | valeur           |
      | etablissement.siret                                     | "90100100800019" |
      | etablissement.etablissementSiege                        | true             |
      | etablissement.uniteLegale.denominationUniteLegale       | "DUBOIS CONSEIL" |
      | etablissement.adresseEtablissement.codePostalEtablissement | "75007"       |
      | etablissement.periodesEtablissement[0].etatAdministratifEtablissement | "A" |

  @obligatoire @ci
  Plan du scénario: La recherche multicritères
    Quand on interroge l'API Sirene "/siren?q=<q>&champs=siren"
    Alors la réponse a le statut 200
    Et la réponse JSON a "header.total" égal à <total>

    Exemples:
      | q                                                            | total |
      | denominationUniteLegale:DUBOIS                               | 2     |
      | periode(etatAdministratifUniteLegale:C)%20AND%20siren:901*   | 1     |
      | periode(denominationUniteLegale:%22MARTIN%20CONSEIL%22)      | 1     |
      | categorieJuridiqueUniteLegale:1000%20OR%20categorieJuridiqueUniteLegale:9220 | 3 |
      | denominationUniteLegale:dub*%20AND%20NOT%20categorieJuridiqueUniteLegale:1000 | 2 |

  @obligatoire @ci
  Scénario: Une recherche sans résultat répond 404, comme l'INSEE
    Quand on interroge l'API Sirene "/siren?q=denominationUniteLegale:dub*%20AND%20NOT%20categorieJuridiqueUniteLegale:5710"
    Alors la réponse a le statut 404
    Et la réponse JSON a "header.statut" égal à 404

  @obligatoire @ci
  Scénario: Une requête q hostile est refusée sans dommage
    Quand on interroge l'API Sirene "/siren?q=((((((((((((((((((((siren:1"
    Alors la réponse a le statut 400
    Et la réponse JSON a "header.statut" égal à 400

  @obligatoire @ci
  Scénario: Tout SIREN valide hors des données de test est une entreprise synthétique stable
    Soit une entreprise synthétique pour le scénario
    Alors deux interrogations de l'API Sirene "/siren/{siren}" donnent la même réponse
    Et la réponse JSON a "uniteLegale.periodesUniteLegale[0].etatAdministratifUniteLegale" égal à "A"

  @obligatoire @ci
  Scénario: Un jeton d'accès pour l'API privée, par le flux « password »
    Quand on demande un jeton INSEE avec les identifiants de démonstration
    Alors la réponse a le statut 200
    Et l'en-tête "Cache-Control" vaut "no-store"
    Et la réponse JSON contient :
      | chemin             | valeur   |
      | token_type         | "Bearer" |
      | expires_in         | 300      |
      | refresh_expires_in | 0        |

  @obligatoire @ci
  Plan du scénario: Le serveur de jetons refuse une demande fautive
    Quand on demande un jeton INSEE où "<champ>" vaut "<valeur>"
    Alors la réponse a le statut <statut>
    Et la réponse JSON contient :
      | chemin            | valeur          |
      | error             | "<erreur>"      |
      | error_description | "<description>" |
    Et la réponse JSON n'a pas la clé "access_token"

    Exemples:
      | champ         | valeur             | statut | erreur                 | description                                  |
      | grant_type    | client_credentials | 400    | unsupported_grant_type | Unsupported grant_type                       |
      | client_id     | inconnu            | 401    | invalid_client         | Invalid client or Invalid client credentials |
      | client_secret | mauvais-secret     | 401    | unauthorized_client    | Invalid client or Invalid client credentials |
      | username      | inconnu            | 401    | invalid_grant          | Invalid user credentials                     |
      | password      | mauvais-mot        | 401    | invalid_grant          | Invalid user credentials                     |

  @obligatoire @ci
  Plan du scénario: Le serveur de jetons refuse une demande incomplète
    Quand on demande un jeton INSEE sans "<champ>"
    Alors la réponse a le statut <statut>
    Et la réponse JSON contient :
      | chemin            | valeur          |
      | error             | "<erreur>"      |
      | error_description | "<description>" |

    Exemples:
      | champ         | statut | erreur              | description                            |
      | grant_type    | 400    | invalid_request     | Missing form parameter: grant_type     |
      | client_id     | 400    | invalid_client      | Missing client_id parameter            |
      | client_secret | 401    | unauthorized_client | Client secret not provided in request  |
      | username      | 401    | invalid_request     | Missing parameter: username            |

  @obligatoire @ci
  Plan du scénario: L'API privée exige un jeton d'accès (401)
    Quand on interroge l'API Sirene privée "/siren/901004002" <accès>
    Alors la réponse a le statut 401
    Et l'en-tête "WWW-Authenticate" commence par "Bearer realm="
    Et la réponse JSON contient :
      | chemin         | valeur                               |
      | header.statut  | 401                                  |
      | header.message | "Jeton d'accès manquant ou invalide" |

    Exemples:
      | accès                                  |
      | sans jeton                             |
      | avec la clé d'API seulement            |
      | avec le jeton "sandbox-insee-key"      |
      | avec le jeton "jeton-jamais-délivré"   |

  @obligatoire @ci @controle @exclusif
  Scénario: Un jeton expiré est refusé, un nouveau jeton est accepté
    Soit on a un jeton INSEE
    Et l'horloge du registre avance de 301 secondes
    Quand on interroge l'API Sirene privée "/siren/901004002"
    Alors la réponse a le statut 401
    Et la réponse JSON a "header.statut" égal à 401
    Quand on demande un jeton INSEE avec les identifiants de démonstration
    Et on interroge l'API Sirene privée "/siren/901004002"
    Alors la réponse a le statut 200
