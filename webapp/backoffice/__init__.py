"""The issuing bodies' staff: organisations, invitations, imports, catalogues."""
