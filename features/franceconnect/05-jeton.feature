# language: fr
@franceconnect @jeton
Fonctionnalité: Échange du code contre les jetons
  Le point d'accès token répond exactement cinq clés ; l'id_token a l'en-tête et les claims de
  FranceConnect ; les codes sont à usage unique, liés au fournisseur de service et à l'adresse de retour,
  et expirent en 30 secondes.

  Contexte:
    Soit un fournisseur de service FranceConnect
    Et l'usager s'est connecté avec la persona "angela"

  @obligatoire @ci
  Scénario: La réponse du point d'accès token a exactement les cinq clés de FranceConnect
    Quand le fournisseur de service échange le code
    Alors la réponse a le statut 200
    Et aucun cookie n'est déposé
    Et la réponse JSON contient exactement les clés "access_token, expires_in, id_token, scope, token_type"
    Et la réponse JSON a "expires_in" égal à 60
    Et la réponse JSON a "token_type" égal à "Bearer"
    Et le jeton d'accès fait 43 caractères

  @obligatoire @ci
  Scénario: L'id_token a l'en-tête et les claims de FranceConnect
    Quand le fournisseur de service échange le code
    Alors l'en-tête de l'id_token contient exactement "alg, kid"
    Et l'id_token est signé en ES256 par une clé du JWKS
    Et l'id_token contient exactement les claims "iss, sub, aud, exp, iat, auth_time, nonce, acr"
    Et l'id_token a "nonce" égal au nonce envoyé
    Et l'id_token a "aud" égal à l'identifiant du fournisseur de service
    Et l'id_token expire 60 secondes après son émission
    Et le sub de l'id_token est fait de 64 chiffres hexadécimaux suivis de "v1"

  @obligatoire @ci
  Scénario: amr n'est présent que s'il est demandé par claims
    Soit l'usager s'est connecté à nouveau avec la persona "angela" en demandant amr
    Quand le fournisseur de service échange le code
    Alors l'id_token contient exactement les claims "iss, sub, aud, exp, iat, auth_time, nonce, acr, amr"
    Et l'id_token a "amr" égal à ["fc","pwd"]

  @obligatoire @ci
  Scénario: Un mauvais secret est refusé
    Quand le fournisseur de service échange le code avec le secret "mauvais-secret"
    Alors la réponse a le statut 401
    Et la réponse est l'erreur "invalid_client" décrite "client authentication failed (invalid secret provided)" avec le code "Y0434A7B"

  @obligatoire @ci
  Scénario: client_secret_basic, que FranceConnect ne propose pas, est refusé
    Quand le fournisseur de service échange le code en s'authentifiant par client_secret_basic
    Alors la réponse a le statut 401
    Et la réponse JSON a "error" égal à "invalid_client"

  @obligatoire @ci
  Scénario: Un client_secret_post qui n'envoie pas son secret n'utilise pas sa méthode d'authentification
    Quand le fournisseur de service échange le code sans le paramètre "client_secret"
    Alors la réponse a le statut 401
    Et la réponse est l'erreur "invalid_client" décrite "client authentication failed (the provided authentication mechanism does not match the registered client authentication method)" avec le code "Y044D82C"

  @obligatoire @ci @controle
  Scénario: Un client private_key_jwt qui envoie un secret n'utilise pas sa méthode d'authentification
    Soit un fournisseur de service FranceConnect authentifié par private_key_jwt
    Et l'usager s'est connecté avec la persona "angela"
    Quand le fournisseur de service échange le code avec le secret "un-secret"
    Alors la réponse a le statut 401
    Et la réponse est l'erreur "invalid_client" décrite "client authentication failed (the provided authentication mechanism does not match the registered client authentication method)" avec le code "Y044D82C"

  @obligatoire @ci
  Scénario: Deux mécanismes d'authentification à la fois sont refusés
    Quand le fournisseur de service échange le code en s'authentifiant à la fois par client_secret_basic et client_secret_post
    Alors la réponse a le statut 400
    Et la réponse est l'erreur "invalid_request" décrite "client authentication must only be provided using one mechanism (undefined)" avec le code "Y04DADA6"

  @obligatoire @ci
  Scénario: Le client est authentifié avant que le code soit lu
    Quand le fournisseur de service échange le code "" avec le secret "mauvais-secret"
    Alors la réponse a le statut 401
    Et la réponse est l'erreur "invalid_client" décrite "client authentication failed (invalid secret provided)" avec le code "Y0434A7B"

  @obligatoire @ci
  Scénario: Un code_verifier sans code_challenge est refusé
    Quand le fournisseur de service échange le code avec un code_verifier
    Alors la réponse a le statut 400
    Et la réponse est l'erreur "invalid_grant" décrite "grant request is invalid (PKCE verification failed)" avec le code "Y0446550"

  @obligatoire @ci
  Scénario: redirect_uri est obligatoire quand le client en a enregistré plusieurs
    Quand le fournisseur de service échange le code sans le paramètre "redirect_uri"
    Alors la réponse a le statut 400
    Et la réponse est l'erreur "invalid_request" décrite "missing required parameter 'redirect_uri' (undefined)" avec le code "Y048017B"

  @obligatoire @ci @controle
  Scénario: redirect_uri peut être omise quand le client n'en a enregistré qu'une
    Soit un fournisseur de service FranceConnect avec une seule adresse de retour
    Et l'usager s'est connecté avec la persona "angela"
    Quand le fournisseur de service échange le code sans le paramètre "redirect_uri"
    Alors la réponse a le statut 200

  @obligatoire @ci
  Scénario: Un code vide est refusé
    Quand le fournisseur de service échange le code ""
    Alors la réponse a le statut 400
    Et la réponse est l'erreur "invalid_request" décrite "missing required parameter 'code' (undefined)" avec le code "Y048017B"

  @obligatoire @ci
  Scénario: Un code inconnu est refusé
    Quand le fournisseur de service échange le code "code-inconnu-0123456789012345678901234567890"
    Alors la réponse a le statut 400
    Et la réponse est l'erreur "invalid_grant" décrite "grant request is invalid (authorization code not found)" avec le code "Y049E20B"

  @obligatoire @ci
  Scénario: Un code déjà utilisé est refusé et ses jetons sont révoqués
    Soit le fournisseur de service a échangé le code
    Quand le fournisseur de service échange à nouveau le même code
    Alors la réponse a le statut 400
    Et la réponse est l'erreur "invalid_grant" décrite "grant request is invalid (authorization code already consumed)" avec le code "Y0416228"
    Quand le fournisseur de service demande les informations de l'usager
    Alors la réponse a le statut 401

  @obligatoire @ci
  Scénario: Un code présenté avec une autre adresse de retour est refusé
    Quand le fournisseur de service échange le code avec l'adresse de retour "http://localhost:1234/autre"
    Alors la réponse a le statut 400
    Et la réponse est l'erreur "invalid_grant" décrite "grant request is invalid (authorization code redirect_uri mismatch)" avec le code "Y04F8199"

  @obligatoire @ci @controle
  Scénario: Un code présenté par un autre fournisseur de service est refusé
    Soit un second fournisseur de service FranceConnect
    Quand le second fournisseur de service échange le code du premier
    Alors la réponse a le statut 400
    Et la réponse est l'erreur "invalid_grant" décrite "grant request is invalid (client mismatch)" avec le code "Y047A2EA"

  @obligatoire @ci @controle
  Scénario: Un code expire après 30 secondes
    Soit l'horloge du fournisseur de service avance de 31 secondes
    Quand le fournisseur de service échange le code
    Alors la réponse a le statut 400
    Et la réponse est l'erreur "invalid_grant" décrite "grant request is invalid (authorization code not found)" avec le code "Y049E20B"

  @obligatoire @ci @controle
  Scénario: Un code est encore valable à 29 secondes
    Soit l'horloge du fournisseur de service avance de 29 secondes
    Quand le fournisseur de service échange le code
    Alors la réponse a le statut 200

  @obligatoire @ci @controle
  Scénario: Un fournisseur de service signant en RS256 reçoit un id_token RS256
    Soit un fournisseur de service FranceConnect signant en RS256
    Et l'usager s'est connecté avec la persona "angela"
    Quand le fournisseur de service échange le code
    Alors l'id_token est signé en RS256 par une clé du JWKS
    Et l'en-tête de l'id_token contient exactement "alg, kid"

  @recommande @ci @controle
  Scénario: Un fournisseur de service historique reçoit un id_token HS256 signé avec son secret
    Soit un fournisseur de service FranceConnect signant en HS256
    Et l'usager s'est connecté avec la persona "angela"
    Quand le fournisseur de service échange le code
    Alors l'id_token est signé en HS256 avec le secret du fournisseur de service

  @obligatoire @ci @controle
  Scénario: Un fournisseur de service s'authentifie par private_key_jwt
    Soit un fournisseur de service FranceConnect authentifié par private_key_jwt
    Et l'usager s'est connecté avec la persona "angela"
    Quand le fournisseur de service échange le code avec une assertion signée
    Alors la réponse a le statut 200
    Quand le fournisseur de service rejoue la même assertion pour un nouveau code
    Alors la réponse a le statut 401
    Et la réponse est l'erreur "invalid_client" décrite "client authentication failed (client assertion tokens must only be used once)" avec le code "Y0434A7B"

  @obligatoire @ci @controle
  Scénario: Le sub est le même pour deux services d'une même entité et diffère sinon
    Soit le fournisseur de service a échangé le code
    Et l'on note le sub de l'id_token
    Quand un second fournisseur de service FranceConnect de la même entité obtient un id_token pour "angela"
    Alors le sub de l'id_token est celui noté
    Quand un second fournisseur de service FranceConnect d'une autre entité obtient un id_token pour "angela"
    Alors le sub de l'id_token n'est pas celui noté
