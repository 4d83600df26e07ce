// name: compliance/company_without_party_org
// purpose: Companies with enough party members on staff to form a party organisation, without one.
// param: min_party_members: int = 3 - party members on staff from which a company qualifies
// param: unrecorded: boolean = false - false: the breaches (the roster shows the rule
//   broken); true: the cases the roster does not record enough to decide (a partial
//   body missing the link, or an empty value the rule needs)
// returns: rule, label, subject, name, community, detail
// rule: company-qualifies-without-party-org: party_members_on_staff >= $min_party_members
//   and no PartyOrg is PARTY_ORG_OF or CO_HOSTED_BY the company (a party branch needs 3
//   full members). Not recorded instead: party_members_on_staff is empty, or the
//   company is partial (its party organisation may be missing from the roster).
:param min_party_members => 3;
:param unrecorded => false;
MATCH (f:PropertyCompany)
OPTIONAL MATCH (f)<-[:PARTY_ORG_OF|CO_HOSTED_BY]-(g:PartyOrg)
WITH f, count(g) AS orgs
WHERE orgs = 0
  AND CASE WHEN f.party_members_on_staff IS NULL THEN $unrecorded
        WHEN f.party_members_on_staff >= $min_party_members
          THEN coalesce(f.partial, false) = $unrecorded
        ELSE false END
RETURN 'company-qualifies-without-party-org' AS rule, 'PropertyCompany' AS label,
       f.id AS subject, f.name AS name, null AS community,
       CASE WHEN f.party_members_on_staff IS NULL THEN 'an unrecorded number of'
         ELSE toString(f.party_members_on_staff) END + ' party members on staff and no party organisation' AS detail
ORDER BY subject, detail
