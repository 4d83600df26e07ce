// name: compliance/party_org_affiliation
// purpose: Company and project party organisations affiliated nowhere or where the rules do not allow.
// returns: rule, label, subject, name, community, detail
// rule: a party organisation of a PropertyCompany may be AFFILIATED_TO the party
//   organisation of the street it is REGISTERED_IN or of a community in that street
//   (registration place), or of a street or community where its projects serve an estate
//   (project place). A party organisation of a Project may be affiliated to the party
//   organisation of a company that OPERATES the project, or of the community or street
//   of the estate it serves. party-org-unaffiliated: no AFFILIATED_TO at all;
//   party-org-misaffiliated: affiliated anywhere else.
MATCH (g:PartyOrg)-[:PARTY_ORG_OF]->(host)
WHERE host:PropertyCompany OR host:Project
OPTIONAL MATCH (g)-[:AFFILIATED_TO]->(parent:PartyOrg)-[:PARTY_ORG_OF]->(ph)
OPTIONAL MATCH (host)-[:REGISTERED_IN]->(rs:Street)
OPTIONAL MATCH (rs)<-[:IN_STREET]-(rc:Community)
WITH g, host, parent, ph, collect(DISTINCT rs.id) AS reg_streets,
     collect(DISTINCT rc.id) AS reg_communities
OPTIONAL MATCH (host)-[:OPERATES|SERVES*1..2]->(:Estate)-[:IN_COMMUNITY]->(pc:Community)
               -[:IN_STREET]->(ps:Street)
WITH g, host, parent, ph, reg_streets, reg_communities,
     collect(DISTINCT pc.id) AS place_communities, collect(DISTINCT ps.id) AS place_streets
OPTIONAL MATCH (host)<-[:OPERATES]-(op:PropertyCompany)
WITH g, parent, ph, reg_streets, reg_communities, place_communities, place_streets,
     collect(DISTINCT op.id) AS operators
WITH g, parent, ph,
     reg_streets + reg_communities + place_communities + place_streets + operators AS allowed
WHERE parent IS NULL OR NOT ph.id IN allowed
RETURN CASE WHEN parent IS NULL THEN 'party-org-unaffiliated'
         ELSE 'party-org-misaffiliated' END AS rule,
       'PartyOrg' AS label, g.id AS subject, g.name AS name, null AS community,
       CASE WHEN parent IS NULL THEN 'affiliated to no party organisation'
         ELSE 'affiliated to ' + parent.id + ', the party organisation of ' + ph.id END
         AS detail
ORDER BY subject, detail
