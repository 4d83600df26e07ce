// name: compliance/company_without_party_org
// purpose: Companies with enough party members on staff to form a party organisation, without one.
// param: min_party_members: int = 3 - party members on staff from which a company qualifies
// returns: rule, label, subject, name, community, detail
// rule: company-qualifies-without-party-org: party_members_on_staff >= $min_party_members
//   and no PartyOrg is PARTY_ORG_OF the company (a party branch needs 3 full members).
MATCH (f:PropertyCompany)
WHERE f.party_members_on_staff >= $min_party_members
OPTIONAL MATCH (f)<-[:PARTY_ORG_OF]-(g:PartyOrg)
WITH f, count(g) AS orgs
WHERE orgs = 0
RETURN 'company-qualifies-without-party-org' AS rule, 'PropertyCompany' AS label,
       f.id AS subject, f.name AS name, null AS community,
       toString(f.party_members_on_staff) + ' party members on staff and no party organisation'
         AS detail
ORDER BY subject, detail
