"""Double-entry prison money. Imports SQLAlchemy only: no Flask, nothing else of Cellgate's."""
