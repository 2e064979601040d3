# language: fr
@franceconnect @decouverte
Fonctionnalité: Découverte OpenID Connect et clés publiques
  Un fournisseur de service configure sa bibliothèque OpenID Connect à partir de la découverte
  de FranceConnect : elle doit annoncer exactement ce que FranceConnect annonce, ni plus ni moins.

  @obligatoire @ci
  Scénario: La découverte de FranceConnect annonce exactement les clés de FranceConnect
    Quand on consulte la découverte de FranceConnect
    Alors la réponse a le statut 200
    Et l'en-tête "Cache-Control" vaut "public, max-age=600"
    Et aucun cookie n'est déposé
    Et la réponse JSON contient exactement les clés "issuer, authorization_endpoint, token_endpoint, userinfo_endpoint, end_session_endpoint, revocation_endpoint, jwks_uri, acr_values_supported, scopes_supported, claims_supported, response_types_supported, response_modes_supported, grant_types_supported, subject_types_supported, code_challenge_methods_supported, token_endpoint_auth_methods_supported, token_endpoint_auth_signing_alg_values_supported, id_token_signing_alg_values_supported, userinfo_signing_alg_values_supported, request_object_signing_alg_values_supported, claims_parameter_supported, request_parameter_supported, request_uri_parameter_supported, authorization_response_iss_parameter_supported, dpop_signing_alg_values_supported"
    Et la réponse JSON a "acr_values_supported" égal à ["eidas1"]
    Et la réponse JSON a "id_token_signing_alg_values_supported" égal à ["HS256","ES256","RS256"]
    Et la réponse JSON a "userinfo_signing_alg_values_supported" égal à ["HS256","ES256","RS256"]
    Et la réponse JSON a "response_types_supported" égal à ["code"]
    Et la réponse JSON a "subject_types_supported" égal à ["pairwise"]
    Et la réponse JSON a "token_endpoint_auth_methods_supported" égal à ["client_secret_post","private_key_jwt"]
    Et la réponse JSON a "scopes_supported" qui contient "openid, profile, preferred_username, idp_birthdate, identite_pivot"
    Et la réponse JSON a "scopes_supported" qui ne contient pas "offline_access, address"
    Et la réponse JSON a "claims_supported" qui contient "sub, given_name, given_name_array, amr, acr"
    Et la réponse JSON a "request_parameter_supported" égal à true
    Et la réponse JSON a "request_uri_parameter_supported" égal à false
    Et la réponse JSON a "dpop_signing_alg_values_supported" égal à ["ES256","RS256"]
    Et la réponse JSON n'a pas la clé "claim_types_supported"

  @obligatoire @ci
  Scénario: La découverte de FranceConnect+ annonce les niveaux eidas2 et eidas3 et le chiffrement
    Quand on consulte la découverte de FranceConnect+
    Alors la réponse a le statut 200
    Et la réponse JSON a "acr_values_supported" égal à ["eidas2","eidas3"]
    Et la réponse JSON a "id_token_signing_alg_values_supported" égal à ["ES256"]
    Et la réponse JSON a "id_token_encryption_alg_values_supported" égal à ["ECDH-ES","RSA-OAEP","RSA-OAEP-256"]
    Et la réponse JSON a "id_token_encryption_enc_values_supported" égal à ["A256GCM"]
    Et la réponse JSON a "userinfo_encryption_alg_values_supported" égal à ["ECDH-ES","RSA-OAEP","RSA-OAEP-256"]
    Et la réponse JSON a "scopes_supported" qui contient "openid, profile, preferred_username, rnipp_birth"
    Et la réponse JSON a "claims_supported" qui contient "sub, given_name, rnipp_given_name_array, amr, acr"
    Et la réponse JSON n'a pas la clé "introspection_endpoint"
    Et la réponse JSON a "request_uri_parameter_supported" égal à false
    Et la réponse JSON a "dpop_signing_alg_values_supported" égal à ["ES256"]

  @obligatoire @ci
  Scénario: Le JWKS publie des clés de signature avec leur algorithme
    Quand on consulte le JWKS de FranceConnect
    Alors la réponse a le statut 200
    Et l'en-tête "Content-Type" commence par "application/jwk-set+json"
    Et chaque clé du JWKS a "use" égal à "sig" et un "alg" parmi "ES256, RS256"
    Et le JWKS ne contient aucune clé privée

  @obligatoire @ci
  Scénario: Une adresse inconnue répond la page d'erreur Y000404
    Quand on ouvre l'adresse "/api/v2/inconnue" de FranceConnect
    Alors FranceConnect affiche l'erreur "Y000404" avec le statut 404

  @controle @ci
  Scénario: Après un renouvellement de clé, les jetons sont signés par la nouvelle clé et l'ancienne reste publiée
    Soit un fournisseur de service FranceConnect
    Et l'usager s'est connecté avec la persona "angela"
    Et le fournisseur de service a échangé le code
    Et l'on note la clé qui a signé l'id_token
    Quand la clé ES256 de FranceConnect est renouvelée
    Et l'usager s'est connecté à nouveau avec la persona "angela"
    Et le fournisseur de service a échangé le code
    Alors l'id_token est signé par une autre clé que celle notée
    Et le JWKS contient la clé notée
    Et l'id_token est signé en ES256 par une clé du JWKS
