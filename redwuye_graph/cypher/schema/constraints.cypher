// The uniqueness constraints a Neo4j 5 database of this project holds: one per label,
// on its id (each also backs a range index, so `{id: ...}` lookups are index seeks).
// Neo4jStore.apply_schema runs these before every load; after a bulk import
// (`redwuye export --format neo4j-admin`) run them once:
//   cypher-shell -d neo4j -f constraints.cypher
// Idempotent (IF NOT EXISTS). One statement per line. The embedded FalkorDB store
// creates the equivalent range indexes in its own DDL (redwuye_graph/store/embedded.py).
CREATE CONSTRAINT district_id IF NOT EXISTS FOR (n:District) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT street_id IF NOT EXISTS FOR (n:Street) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT community_id IF NOT EXISTS FOR (n:Community) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT residentscommittee_id IF NOT EXISTS FOR (n:ResidentsCommittee) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT regionalpartycommittee_id IF NOT EXISTS FOR (n:RegionalPartyCommittee) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT estate_id IF NOT EXISTS FOR (n:Estate) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT propertycompany_id IF NOT EXISTS FOR (n:PropertyCompany) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT project_id IF NOT EXISTS FOR (n:Project) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT ownerscommittee_id IF NOT EXISTS FOR (n:OwnersCommittee) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT partyorg_id IF NOT EXISTS FOR (n:PartyOrg) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT residentunit_id IF NOT EXISTS FOR (n:ResidentUnit) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT office_id IF NOT EXISTS FOR (n:Office) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT servicefacility_id IF NOT EXISTS FOR (n:ServiceFacility) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT housingauthority_id IF NOT EXISTS FOR (n:HousingAuthority) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT observation_id IF NOT EXISTS FOR (n:Observation) REQUIRE n.id IS UNIQUE;
