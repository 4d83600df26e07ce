// name: compliance/vacuum_without_interim
// purpose: Estates without a serving company that no street or community manages meanwhile.
// returns: rule, label, subject, name, community, detail
// rule: vacuum-without-interim-management: the estate is in a vacuum as in coverage/vacuum
//   and nobody INTERIM_MANAGES it.
MATCH (c:Community)<-[:IN_COMMUNITY]-(e:Estate)
OPTIONAL MATCH (e)<-[:SERVES]-(j0:Project)
WITH c, e, min(j0.id) AS jid
OPTIONAL MATCH (j:Project {id: jid})
OPTIONAL MATCH (j)<-[:OPERATES]-(f:PropertyCompany)
WITH c, e, count(f) AS operators
WHERE operators = 0
OPTIONAL MATCH (e)<-[:INTERIM_MANAGES]-(h)
WITH c, e, count(h) AS holders
WHERE holders = 0
RETURN 'vacuum-without-interim-management' AS rule, 'Estate' AS label, e.id AS subject,
       e.name AS name, c.id AS community,
       toString(e.households) + ' households without a serving company or interim management'
         AS detail
ORDER BY subject, detail
