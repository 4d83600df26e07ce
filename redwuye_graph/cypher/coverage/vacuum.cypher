// name: coverage/vacuum
// purpose: Estates in a property-management vacuum (no serving company) and who holds them.
// param: district: string = null - only estates in this district (id)
// returns: estate, name, community, street, district, households, holder, holder_label
// rule: an estate is in a vacuum when it has no serving company as defined in
//   coverage/estate: no project that SERVES it has an operating company. One row per body (Street or Community) that INTERIM_MANAGES it; holder
//   and holder_label are null when nobody holds it.
:param district => null;
MATCH (c:Community)-[:IN_STREET]->(s:Street)-[:IN_DISTRICT]->(d:District)
WHERE ($district IS NULL OR d.id = $district)
MATCH (c)<-[:IN_COMMUNITY]-(e:Estate)
OPTIONAL MATCH (e)<-[:SERVES]-(:Project)<-[:OPERATES]-(f:PropertyCompany)
WITH c, s, d, e, count(f) AS operators
WHERE operators = 0
OPTIONAL MATCH (e)<-[:INTERIM_MANAGES]-(h)
RETURN e.id AS estate, e.name AS name, c.id AS community, s.id AS street, d.id AS district,
       e.households AS households, h.id AS holder,
       CASE WHEN h IS NULL THEN null ELSE labels(h)[0] END AS holder_label
ORDER BY estate, holder
