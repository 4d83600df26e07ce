// name: coverage/companies
// purpose: One row per property company: own party organisation, instructor instead, or neither.
// returns: company, name, staff, party_members_on_staff, blacklisted, company_party_org,
//   company_instructor, status, projects, estates
// rule: company_party_org: a PartyOrg is PARTY_ORG_OF the company or CO_HOSTED_BY it (a
//   joint organisation). company_instructor: a person is INSTRUCTOR_OF the company or of
//   one of its projects (as in coverage/estate). status: 'party_org' when it has a party
//   organisation, else 'instructor' when it has an instructor, else 'unrecorded' when
//   the company is partial (the roster may not record them), else 'neither'. projects: projects it OPERATES; estates: distinct
//   estates those projects SERVE.
MATCH (f:PropertyCompany)
OPTIONAL MATCH (f)<-[r1:PARTY_ORG_OF|CO_HOSTED_BY|INSTRUCTOR_OF]-(x1)
WITH f, count(CASE WHEN type(r1) <> 'INSTRUCTOR_OF' THEN 1 END) AS orgs,
     count(CASE WHEN type(r1) = 'INSTRUCTOR_OF' THEN 1 END) AS company_instructors
OPTIONAL MATCH (f)-[:OPERATES]->(j:Project)
OPTIONAL MATCH (j)<-[:INSTRUCTOR_OF]-(p2:Person)
WITH f, orgs, company_instructors, count(DISTINCT j.id) AS projects,
     count(p2) AS project_instructors
OPTIONAL MATCH (f)-[:OPERATES]->(:Project)-[:SERVES]->(e:Estate)
WITH f, orgs > 0 AS party_org, company_instructors + project_instructors > 0 AS instructor,
     projects, count(DISTINCT e.id) AS estates
RETURN f.id AS company, f.name AS name, f.staff AS staff,
       f.party_members_on_staff AS party_members_on_staff, f.blacklisted AS blacklisted,
       party_org AS company_party_org, instructor AS company_instructor,
       CASE WHEN party_org THEN 'party_org' WHEN instructor THEN 'instructor'
         WHEN coalesce(f.partial, false) THEN 'unrecorded' ELSE 'neither' END AS status,
       projects, estates
ORDER BY company
