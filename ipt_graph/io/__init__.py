"""Reading and writing: the case file and, later, tables and other tools' formats."""
