"""The database triggers that mark contracts for the summary tables (oversight.summary): every insert, update or
delete of a monthly actual or a target, a change of a contract's dates or station, of a station's street, of a street's
district and of an indicator's 累计方式 records the contracts concerned in oversight_rollupdirty, in the writer's own
transaction. Being in the database, they see every write path: forms, Excel imports, the API, the admin, bulk inserts
and raw SQL.

A new contract is marked too (the "contract" group, migration 0005): it is in effect in its months whether or not it
has figures (oversight.models.DistrictMonthContracts).

The finalised evaluations (oversight.models.ContractGrade / DistrictGrade) are marked the same way: a change of an
evaluation's contract, status, date, grade or total marks its contract (the "evaluation" group, migration 0004).

PostgreSQL: statement-level triggers with transition tables (one INSERT per statement, however many rows); SQLite:
row-level triggers. `ON CONFLICT … DO UPDATE` (not DO NOTHING): a writer takes the mark's row lock, so a refresh that
empties the marks waits for the writer to commit and then reads what it wrote (see oversight.summary.refresh).
"""

from __future__ import annotations

DIRTY = "oversight_rollupdirty"
UPSERT = f" ON CONFLICT (contract_id) DO UPDATE SET marks = {DIRTY}.marks + 1"

# (table, contract column) of the tables whose rows belong to one contract
ROWS = [("indicators_monthlyactual", "contract_id"), ("indicators_target", "contract_id")]


def _contracts_of(kind: str, ref: str) -> str:
    """SELECT of the contract ids concerned by a changed station / street / indicator row `ref` (NEW or OLD)."""
    if kind == "station":
        return f"SELECT id AS x FROM stations_contract WHERE station_id = {ref}.id"
    if kind == "street":
        return (f"SELECT c.id AS x FROM stations_contract c JOIN stations_station s ON s.id = c.station_id "
                f"WHERE s.street_id = {ref}.id")
    return (f"SELECT contract_id AS x FROM indicators_target WHERE indicator_id = {ref}.id UNION "
            f"SELECT contract_id FROM indicators_monthlyactual WHERE indicator_id = {ref}.id")


# (table, kind, the column whose change matters)
PARENTS = [("stations_station", "station", "street_id"), ("stations_street", "street", "district_id"),
           ("indicators_indicatordefinition", "indicator", "accumulation")]
CONTRACT_COLUMNS = ("start_date", "end_date", "station_id")


# the evaluation columns a grade summary depends on
EVALUATION = "reports_evaluation"
EVALUATION_COLUMNS = ("contract_id", "status", "date", "grade", "total_score")


def _sqlite_evaluation() -> list[str]:
    sql = []
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in EVALUATION_COLUMNS)
    for event, refs, when in (("INSERT", ["NEW"], ""), ("UPDATE", ["OLD", "NEW"], f" WHEN {changed}"),
                              ("DELETE", ["OLD"], "")):
        body = "".join(f"INSERT INTO {DIRTY} (contract_id, marks) VALUES ({ref}.contract_id, 1){UPSERT};"
                       for ref in refs)
        sql.append(f"CREATE TRIGGER rollup_{EVALUATION}_{event.lower()} AFTER {event} ON {EVALUATION}{when} "
                   f"BEGIN {body} END")
    return sql


def _postgresql_evaluation() -> list[str]:
    sql = []
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in EVALUATION_COLUMNS)
    selects = {
        "insert": ("SELECT contract_id AS x FROM new_rows", "NEW TABLE AS new_rows"),
        "update": (f"SELECT c AS x FROM old_rows o JOIN new_rows n ON n.id = o.id, "
                   f"LATERAL (VALUES (o.contract_id), (n.contract_id)) AS v(c) WHERE {changed}",
                   "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        "delete": ("SELECT contract_id AS x FROM old_rows", "OLD TABLE AS old_rows"),
    }
    for event, (select, referencing) in selects.items():
        name = f"rollup_{EVALUATION}_{event}"
        sql.append(_pg_function(name, select))
        sql.append(f"CREATE TRIGGER {name} AFTER {event.upper()} ON {EVALUATION} REFERENCING {referencing} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    return sql


def _sqlite() -> list[str]:
    sql = []
    for table, column in ROWS:
        for event, refs in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]), ("DELETE", ["OLD"])):
            body = "".join(f"INSERT INTO {DIRTY} (contract_id, marks) VALUES ({ref}.{column}, 1){UPSERT};"
                           for ref in refs)
            sql.append(f"CREATE TRIGGER rollup_{table}_{event.lower()} AFTER {event} ON {table} BEGIN {body} END")
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in CONTRACT_COLUMNS)
    sql.append(f"CREATE TRIGGER rollup_stations_contract_update AFTER UPDATE ON stations_contract WHEN {changed} "
               f"BEGIN INSERT INTO {DIRTY} (contract_id, marks) VALUES (OLD.id, 1){UPSERT}; END")
    sql.append(f"CREATE TRIGGER rollup_stations_contract_delete AFTER DELETE ON stations_contract "
               f"BEGIN INSERT INTO {DIRTY} (contract_id, marks) VALUES (OLD.id, 1){UPSERT}; END")
    for table, kind, column in PARENTS:
        sql.append(f"CREATE TRIGGER rollup_{table}_update AFTER UPDATE ON {table} WHEN OLD.{column} IS NOT "
                   f"NEW.{column} BEGIN INSERT INTO {DIRTY} (contract_id, marks) SELECT x, 1 FROM "
                   f"({_contracts_of(kind, 'NEW')}) WHERE true{UPSERT}; END")
    return sql


def _pg_function(name: str, select: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"INSERT INTO {DIRTY} (contract_id, marks) SELECT DISTINCT x, 1 FROM ({select}) AS marked "
            f"WHERE x IS NOT NULL ORDER BY x{UPSERT}; RETURN NULL; END $$")


def _postgresql() -> list[str]:
    sql = []
    for table, column in ROWS:
        for event, refs in (("INSERT", ["new_rows"]), ("UPDATE", ["old_rows", "new_rows"]), ("DELETE", ["old_rows"])):
            name = f"rollup_{table}_{event.lower()}"
            select = " UNION ALL ".join(f"SELECT {column} AS x FROM {ref}" for ref in refs)
            referencing = " ".join(f"{'OLD' if ref == 'old_rows' else 'NEW'} TABLE AS {ref}" for ref in refs)
            sql.append(_pg_function(name, select))
            sql.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in CONTRACT_COLUMNS)
    sql.append(_pg_function("rollup_stations_contract_update",
                            f"SELECT o.id AS x FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed}"))
    sql.append("CREATE TRIGGER rollup_stations_contract_update AFTER UPDATE ON stations_contract REFERENCING "
               "OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
               "EXECUTE FUNCTION rollup_stations_contract_update()")
    sql.append(_pg_function("rollup_stations_contract_delete", "SELECT id AS x FROM old_rows"))
    sql.append("CREATE TRIGGER rollup_stations_contract_delete AFTER DELETE ON stations_contract REFERENCING "
               "OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_stations_contract_delete()")
    for table, kind, column in PARENTS:
        name = f"rollup_{table}_update"
        sql.append(_pg_function(name, _contracts_of(kind, "NEW")))
        sql.append(f"CREATE TRIGGER {name} AFTER UPDATE ON {table} FOR EACH ROW WHEN "
                   f"(OLD.{column} IS DISTINCT FROM NEW.{column}) EXECUTE FUNCTION {name}()")
    return sql


# a new contract is in effect in its months, with or without figures (DistrictMonthContracts)
CONTRACT_INSERT = "rollup_stations_contract_insert"


def _contract_insert(postgresql: bool) -> list[str]:
    if not postgresql:
        return [f"CREATE TRIGGER {CONTRACT_INSERT} AFTER INSERT ON stations_contract "
                f"BEGIN INSERT INTO {DIRTY} (contract_id, marks) VALUES (NEW.id, 1){UPSERT}; END"]
    return [_pg_function(CONTRACT_INSERT, "SELECT id AS x FROM new_rows"),
            f"CREATE TRIGGER {CONTRACT_INSERT} AFTER INSERT ON stations_contract REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {CONTRACT_INSERT}()"]


# the indicator figures' triggers (migration 0003), the evaluations' (0004), the new contracts' (0005)
GROUPS = ("rollup", "evaluation", "contract")


def trigger_names(groups=GROUPS) -> list[tuple[str, str]]:
    """(table, trigger) of every trigger installed."""
    names = []
    if "rollup" in groups:
        names += [(t, f"rollup_{t}_{e}") for t, _ in ROWS for e in ("insert", "update", "delete")]
        names += [("stations_contract", "rollup_stations_contract_update"),
                  ("stations_contract", "rollup_stations_contract_delete")]
        names += [(t, f"rollup_{t}_update") for t, _, _ in PARENTS]
    if "evaluation" in groups:
        names += [(EVALUATION, f"rollup_{EVALUATION}_{e}") for e in ("insert", "update", "delete")]
    if "contract" in groups:
        names.append(("stations_contract", CONTRACT_INSERT))
    return names


def install(connection, groups=GROUPS) -> None:
    postgresql = connection.vendor == "postgresql"
    statements = []
    if "rollup" in groups:
        statements += _postgresql() if postgresql else _sqlite()
    if "evaluation" in groups:
        statements += _postgresql_evaluation() if postgresql else _sqlite_evaluation()
    if "contract" in groups:
        statements += _contract_insert(postgresql)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection, groups=GROUPS) -> None:
    with connection.cursor() as cursor:
        for table, name in trigger_names(groups):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if connection.vendor == "postgresql"
                                                              else ""))
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
