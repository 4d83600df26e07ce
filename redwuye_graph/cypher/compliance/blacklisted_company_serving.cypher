// name: compliance/blacklisted_company_serving
// purpose: Blacklisted companies still serving estates, one row per project.
// param: unrecorded: boolean = false - false: the breaches (the roster shows the rule
//   broken); true: the cases the roster does not record enough to decide (a partial
//   body missing the link, or an empty value the rule needs)
// returns: rule, label, subject, name, community, detail
// rule: blacklisted-company-serving: a PropertyCompany with blacklisted = true OPERATES a
//   Project that SERVES an estate. Not recorded: blacklisted is empty.
:param unrecorded => false;
MATCH (f:PropertyCompany)-[:OPERATES]->(j:Project)-[:SERVES]->(e:Estate)
      -[:IN_COMMUNITY]->(c:Community)
WHERE CASE WHEN f.blacklisted IS NULL THEN $unrecorded
        ELSE f.blacklisted AND NOT $unrecorded END
RETURN 'blacklisted-company-serving' AS rule, 'PropertyCompany' AS label, f.id AS subject,
       f.name AS name, c.id AS community,
       'serves estate ' + e.id + ' through project ' + j.id AS detail
ORDER BY subject, detail
