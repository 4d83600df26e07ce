// name: compliance/company_without_org_or_instructor
// purpose: Companies with neither a party organisation nor a party-building instructor.
// param: unrecorded: boolean = false - false: the breaches (the roster shows the rule
//   broken); true: the cases the roster does not record enough to decide (a partial
//   body missing the link, or an empty value the rule needs)
// returns: rule, label, subject, name, community, detail
// rule: company-without-party-org-or-instructor: no PartyOrg is PARTY_ORG_OF or
//   CO_HOSTED_BY the company and nobody is INSTRUCTOR_OF the company or any of its
//   projects. Applies to every company: those that do not qualify for a party
//   organisation must get an instructor. A partial company (partial = true) without
//   either is not recorded, not a breach.
:param unrecorded => false;
MATCH (f:PropertyCompany)
OPTIONAL MATCH (f)<-[r1:PARTY_ORG_OF|CO_HOSTED_BY|INSTRUCTOR_OF]-(x1)
WITH f, count(x1) AS direct
WHERE direct = 0
OPTIONAL MATCH (f)-[:OPERATES]->(:Project)<-[:INSTRUCTOR_OF]-(p2:Person)
WITH f, count(p2) AS project_instructors
WHERE project_instructors = 0 AND coalesce(f.partial, false) = $unrecorded
RETURN 'company-without-party-org-or-instructor' AS rule, 'PropertyCompany' AS label,
       f.id AS subject, f.name AS name, null AS community,
       CASE WHEN f.party_members_on_staff IS NULL THEN 'an unrecorded number of'
         ELSE toString(f.party_members_on_staff) END
         + ' party members on staff, no party organisation and no instructor' AS detail
ORDER BY subject, detail
