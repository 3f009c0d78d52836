"""Model-free pieces every app shares: CSV/XLSX export (`exporting`), bounded spreadsheet reading
(`spreadsheets`), uploads (`uploads`), validators (`validators`), text folding (`text`), the fast
DRF representation (`serializing`) and DRF filter pieces (`filters`).

`common` sits below every app: it imports no app, and any app may import it. Rules that need a
model (who sees which district) stay in `territory.access`."""
