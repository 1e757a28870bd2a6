"""What gets published: the Démo's export, the notebook and script, the MkDocs site and the PDF."""
