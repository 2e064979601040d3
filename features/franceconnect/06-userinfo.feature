# language: fr
@franceconnect @userinfo
Fonctionnalité: Informations de l'usager (userinfo)
  Le userinfo est un JWT signé (application/jwt) dont les claims dépendent des scopes accordés,
  plus aud, exp, iat et iss ; les formats sont ceux de FranceConnect.

  Contexte:
    Soit un fournisseur de service FranceConnect

  @obligatoire @ci
  Plan du scénario: Les scopes ouvrent les claims de FranceConnect
    Soit l'usager s'est connecté avec la persona "angela" et les scopes "<scopes>"
    Quand le fournisseur de service échange le code
    Et le fournisseur de service demande les informations de l'usager
    Alors la réponse a le statut 200
    Et l'en-tête "Content-Type" commence par "application/jwt"
    Et l'en-tête du userinfo contient exactement "alg, kid"
    Et le userinfo est signé en ES256 par une clé du JWKS
    Et le userinfo contient exactement les claims "<claims>, aud, exp, iat, iss"

    Exemples:
      | scopes                                          | claims                                                                                  |
      | openid                                          | sub                                                                                     |
      | openid identite_pivot                           | sub, given_name, given_name_array, family_name, birthdate, gender, birthplace, birthcountry |
      | openid profile                                  | sub, given_name, given_name_array, family_name, birthdate, gender                       |
      | openid birth                                    | sub, birthplace, birthcountry                                                           |
      | openid given_name                               | sub, given_name, given_name_array                                                       |
      | openid email                                    | sub, email                                                                              |
      | openid family_name gender birthdate             | sub, family_name, gender, birthdate                                                     |
      | openid idp_birthdate                            | sub, idp_birthdate                                                                      |

  @obligatoire @ci
  Scénario: Le userinfo d'angela a les valeurs de son identité pivot
    Soit l'usager s'est connecté avec la persona "angela" et les scopes "openid identite_pivot email"
    Quand le fournisseur de service échange le code
    Et le fournisseur de service demande les informations de l'usager
    Alors le userinfo a "given_name" égal à "Angela Claire Louise"
    Et le userinfo a "given_name_array" égal à ["Angela","Claire","Louise"]
    Et le userinfo a "family_name" égal à "DUBOIS"
    Et le userinfo a "birthdate" égal à "1962-08-24"
    Et le userinfo a "gender" égal à "female"
    Et le userinfo a "birthplace" égal à "75107"
    Et le userinfo a "birthcountry" égal à "99100"
    Et le userinfo a "email" égal à "angela.dubois@example.test"
    Et le userinfo a le même "sub" que l'id_token

  @obligatoire @ci
  Plan du scénario: Les formats de FranceConnect sont respectés
    Soit l'usager s'est connecté avec la persona "<persona>" et les scopes "openid identite_pivot idp_birthdate"
    Quand le fournisseur de service échange le code
    Et le fournisseur de service demande les informations de l'usager
    Alors le userinfo a "<claim>" égal à <valeur>

    Exemples:
      | persona           | claim            | valeur                                |
      | ne-etranger       | birthdate        | "1992-11-01"                          |
      | ne-etranger       | idp_birthdate    | "1992-11-00"                          |
      | ne-etranger       | birthplace       | ""                                    |
      | ne-etranger       | birthcountry     | "99217"                               |
      | presume-jour-mois | birthdate        | "1992-01-01"                          |
      | jean-philippe     | given_name_array | ["Jean Philippe","Pierre","Louis"]    |
      | corse             | birthplace       | "2A004"                               |
      | elodie            | family_name      | "LÉVÊQUE-D'ARTOIS"                    |
      | xavi              | gender           | "male"                                |
      | xavi              | birthplace       | "Paris 10"                            |

  @obligatoire @ci
  Scénario: Sans jeton d'accès, le userinfo est refusé
    Quand le fournisseur de service demande les informations de l'usager sans jeton
    Alors la réponse a le statut 401
    Et la réponse est l'erreur "invalid_token" décrite "no access token provided (no access token provided)" avec le code "Y04146A2"

  @obligatoire @ci
  Scénario: Un jeton d'accès altéré est refusé
    Soit l'usager s'est connecté avec la persona "angela"
    Et le fournisseur de service a échangé le code
    Quand le fournisseur de service demande les informations de l'usager avec un jeton altéré
    Alors la réponse a le statut 401
    Et la réponse est l'erreur "invalid_token" décrite "invalid token provided (access token not found)" avec le code "Y040001"

  @obligatoire @ci @controle
  Scénario: Un jeton d'accès expire après 60 secondes
    Soit l'usager s'est connecté avec la persona "angela"
    Et le fournisseur de service a échangé le code
    Et l'horloge du fournisseur de service avance de 61 secondes
    Quand le fournisseur de service demande les informations de l'usager
    Alors la réponse a le statut 401
    Et la réponse JSON a "error" égal à "invalid_token"

  @obligatoire @ci
  Scénario: Un jeton d'accès révoqué est refusé
    Soit l'usager s'est connecté avec la persona "angela"
    Et le fournisseur de service a échangé le code
    Quand le fournisseur de service révoque le jeton d'accès
    Alors la réponse a le statut 200
    Quand le fournisseur de service demande les informations de l'usager
    Alors la réponse a le statut 401

  @obligatoire @ci
  Scénario: Le jeton d'accès peut être passé en paramètre access_token
    Soit l'usager s'est connecté avec la persona "angela"
    Et le fournisseur de service a échangé le code
    Quand le fournisseur de service demande les informations de l'usager avec le paramètre access_token
    Alors la réponse a le statut 200

  @obligatoire @ci @controle
  Scénario: Le userinfo expire avec le jeton d'accès, pas après l'appel
    Soit l'usager s'est connecté avec la persona "angela"
    Et le fournisseur de service a échangé le code
    Et l'horloge du fournisseur de service avance de 30 secondes
    Quand le fournisseur de service demande les informations de l'usager
    Alors la réponse a le statut 200
    Et le "exp" du userinfo est celui de l'id_token, à une seconde près
