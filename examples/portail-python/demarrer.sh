#!/bin/sh
# Démarre le portail d'exemple au premier plan (Ctrl-C l'arrête).
# Il faut un Python 3 avec Flask, PyJWT et cryptography ; sur Debian ou Ubuntu :
#   apt-get install -y python3-flask python3-jwt python3-cryptography
# Configuration : variables d'environnement (voir README.md), valeurs par défaut pour le bac à sable.
set -eu
cd "$(dirname "$0")"

for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import flask, jwt, cryptography' 2>/dev/null; then
    exec "$py" app.py
  fi
done

echo "demarrer.sh : aucun Python 3 ne trouve Flask, PyJWT et cryptography (essayé : python3, /usr/bin/python3)." >&2
echo "Installez-les, par exemple : apt-get install -y python3-flask python3-jwt python3-cryptography" >&2
exit 1
