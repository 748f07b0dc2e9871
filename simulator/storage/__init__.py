"""What is saved and where: the SQLite store, the folders, data files, downloads."""
