"""The edges: the contract's JSON documents and pandas tables, parsed into the domain model and back."""
