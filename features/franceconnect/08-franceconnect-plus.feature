# language: fr
@franceconnect @fcplus
Fonctionnalité: FranceConnect+
  FranceConnect+ (eidas2, eidas3) signe en ES256, chiffre l'id_token et le userinfo (JWE) pour les
  services qui ont enregistré une clé, et transmet les identités européennes du pont eIDAS.

  @obligatoire @ci @controle
  Scénario: L'id_token et le userinfo sont chiffrés avec la clé du fournisseur de service
    Soit un fournisseur de service FranceConnect+
    Et l'usager s'est connecté avec la persona "angela" et les scopes "openid identite_pivot rnipp_identite_pivot"
    Quand le fournisseur de service échange le code
    Alors l'id_token est un JWE dont l'en-tête contient exactement "alg, enc, cty, kid, iss, aud, epk"
    Et le JWE a "alg" égal à "ECDH-ES", "enc" égal à "A256GCM" et "cty" égal à "JWT"
    Et l'id_token déchiffré est signé en ES256 par une clé du JWKS
    Et l'id_token a "acr" égal à "eidas3"
    Quand le fournisseur de service demande les informations de l'usager
    Alors le userinfo est un JWE que le fournisseur de service déchiffre
    Et le userinfo a "rnipp_given_name" égal à "Angela Claire Louise"
    Et le userinfo a "rnipp_birthplace" égal à "75107"
    Et le userinfo n'a pas la claim "given_name_array"

  @obligatoire @ci @controle
  Scénario: Chiffrement RSA-OAEP-256
    Soit un fournisseur de service FranceConnect+ chiffrant en RSA-OAEP-256
    Et l'usager s'est connecté avec la persona "angela"
    Quand le fournisseur de service échange le code
    Alors l'id_token est un JWE dont l'en-tête contient exactement "alg, enc, cty, kid, iss, aud"
    Et l'id_token déchiffré est signé en ES256 par une clé du JWKS

  @obligatoire @ci
  Scénario: Une identité européenne arrive par le pont eIDAS
    Soit un fournisseur de service FranceConnect+ sans chiffrement
    Et l'usager s'est connecté avec la persona "xavi" en demandant amr
    Quand le fournisseur de service échange le code
    Alors l'id_token a "amr" égal à ["eidas"]
    Et l'id_token a "acr" égal à "eidas2"
    Quand le fournisseur de service demande les informations de l'usager
    Alors le userinfo a "given_name" égal à "javiér"
    Et le userinfo a "birthplace" égal à "Paris 10"
    Et le userinfo n'a pas la claim "birthcountry"
    Et le userinfo n'a pas la claim "email"

  @obligatoire @ci
  Scénario: Le fournisseur d'identité de FranceConnect+ déclare amr fc pop mfa pin
    Soit un fournisseur de service FranceConnect+ sans chiffrement
    Et l'usager s'est connecté avec la persona "angela" en demandant amr
    Quand le fournisseur de service échange le code
    Alors l'id_token a "amr" égal à ["fc","pop","mfa","pin"]
