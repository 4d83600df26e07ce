// name: compliance/vacuum_without_interim
// purpose: Estates without a serving company that no street or community manages meanwhile.
// param: unrecorded: boolean = false - false: the breaches (the roster shows the rule
//   broken); true: the cases the roster does not record enough to decide (a partial
//   body missing the link, or an empty value the rule needs)
// returns: rule, label, subject, name, community, detail
// rule: vacuum-without-interim-management: the estate is in a vacuum as in coverage/vacuum
//   and nobody INTERIM_MANAGES it. Not recorded instead: the estate is partial.
:param unrecorded => false;
MATCH (c:Community)<-[:IN_COMMUNITY]-(e:Estate)
OPTIONAL MATCH (e)<-[:SERVES]-(:Project)<-[:OPERATES]-(f:PropertyCompany)
WITH c, e, count(f) AS operators
WHERE operators = 0
OPTIONAL MATCH (e)<-[:INTERIM_MANAGES]-(h)
WITH c, e, count(h) AS holders
WHERE holders = 0 AND coalesce(e.partial, false) = $unrecorded
RETURN 'vacuum-without-interim-management' AS rule, 'Estate' AS label, e.id AS subject,
       e.name AS name, c.id AS community,
       CASE WHEN e.households IS NULL THEN 'an unrecorded number of'
         ELSE toString(e.households) END
         + ' households without a serving company or interim management'
         AS detail
ORDER BY subject, detail
