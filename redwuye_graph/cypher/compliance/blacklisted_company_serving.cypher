// name: compliance/blacklisted_company_serving
// purpose: Blacklisted companies still serving estates, one row per project.
// returns: rule, label, subject, name, community, detail
// rule: blacklisted-company-serving: a PropertyCompany with blacklisted = true OPERATES a
//   Project that SERVES an estate.
MATCH (f:PropertyCompany)-[:OPERATES]->(j:Project)-[:SERVES]->(e:Estate)
      -[:IN_COMMUNITY]->(c:Community)
WHERE f.blacklisted
RETURN 'blacklisted-company-serving' AS rule, 'PropertyCompany' AS label, f.id AS subject,
       f.name AS name, c.id AS community,
       'serves estate ' + e.id + ' through project ' + j.id AS detail
ORDER BY subject, detail
