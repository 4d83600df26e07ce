// name: compliance/party_org_affiliation
// purpose: Company, office and project party organisations affiliated nowhere or where the rules do not allow.
// param: unrecorded: boolean = false - false: the breaches (the roster shows the rule
//   broken); true: the cases the roster does not record enough to decide (a partial
//   body missing the link, or an empty value the rule needs)
// returns: rule, label, subject, name, community, detail
// rule: a party organisation hosted (PARTY_ORG_OF) by a PropertyCompany, an Office or a
//   Project may be AFFILIATED_TO the party organisation of: its own host (a branch
//   under its company's 党委); for a company, its parent company (BRANCH_OF), the street
//   it is REGISTERED_IN or a community in that street (registration place); for an
//   office, the company it is OFFICE_OF; for a project, a company that OPERATES it; and
//   the community or street of an estate its host serves (project place: a company's
//   OPERATES then SERVES, an office's RUNS then SERVES, a project's SERVES).
//   party-org-unaffiliated: no AFFILIATED_TO at all (not recorded instead when the
//   organisation is partial); party-org-misaffiliated: affiliated anywhere else.
:param unrecorded => false;
MATCH (g:PartyOrg)-[:PARTY_ORG_OF]->(host)
WHERE host:PropertyCompany OR host:Project OR host:Office
OPTIONAL MATCH (g)-[:AFFILIATED_TO]->(parent:PartyOrg)-[:PARTY_ORG_OF]->(ph)
OPTIONAL MATCH (host)-[:REGISTERED_IN]->(rs:Street)
OPTIONAL MATCH (rs)<-[:IN_STREET]-(rc:Community)
WITH g, host, parent, ph, collect(DISTINCT rs.id) AS reg_streets,
     collect(DISTINCT rc.id) AS reg_communities
OPTIONAL MATCH (host)-[:OPERATES|SERVES|RUNS*1..2]->(:Estate)-[:IN_COMMUNITY]->(pc:Community)
               -[:IN_STREET]->(ps:Street)
WITH g, host, parent, ph, reg_streets, reg_communities,
     collect(DISTINCT pc.id) AS place_communities, collect(DISTINCT ps.id) AS place_streets
OPTIONAL MATCH (host)-[:BRANCH_OF|OFFICE_OF]->(own:PropertyCompany)
WITH g, host, parent, ph, reg_streets, reg_communities, place_communities, place_streets,
     collect(DISTINCT own.id) AS companies
OPTIONAL MATCH (host)<-[:OPERATES]-(op:PropertyCompany)
WITH g, host, parent, ph, reg_streets, reg_communities, place_communities, place_streets,
     companies, collect(DISTINCT op.id) AS operators
WITH g, parent, ph,
     [host.id] + reg_streets + reg_communities + place_communities + place_streets
       + companies + operators AS allowed
WHERE (parent IS NULL AND coalesce(g.partial, false) = $unrecorded)
   OR (parent IS NOT NULL AND NOT ph.id IN allowed AND NOT $unrecorded)
RETURN CASE WHEN parent IS NULL THEN 'party-org-unaffiliated'
         ELSE 'party-org-misaffiliated' END AS rule,
       'PartyOrg' AS label, g.id AS subject, g.name AS name, null AS community,
       CASE WHEN parent IS NULL THEN 'affiliated to no party organisation'
         ELSE 'affiliated to ' + parent.id + ', the party organisation of ' + ph.id END
         AS detail
ORDER BY subject, detail
