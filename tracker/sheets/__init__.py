"""What people print and hand on: the appraisal sheet (考核表) as a page and a PDF, and the team workbooks."""
