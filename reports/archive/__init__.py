"""The signed report (issue 9 §2): archived PDF/A versions of finalised evaluations and published 绩效评价.

- `data`: the figures a report was made from, as the JSON embedded in the PDF;
- `services`: archive at finalisation/publication, render once, verify a file, publish/withdraw a 绩效评价;
- `selectors`: which archived versions a user may download or learn about;
- `views`, `urls`, `forms`: version downloads, the verification page, the publish/withdraw confirmations.
"""
