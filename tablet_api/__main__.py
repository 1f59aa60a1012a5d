"""`python -m tablet_api` rewrites tablet_api/openapi.json from the routes' contracts."""

from tablet_api.openapi import main

main()
