try:
    import snowflake.connector
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    enabled = True
except ImportError:
    enabled = False

class Snowflake(BaseSQLQueryRunner):
    def run_query(self, query, user):
        connection = self._get_connection()
        cursor = connection.cursor()

        try:
            cursor.execute("USE WAREHOUSE {}".format(self.configuration["warehouse"]))
            cursor.execute("USE {}".format(self.configuration["database"]))

            cursor.execute(query)

            data = self._parse_results(cursor)
            error = None
        finally:
            cursor.close()
            connection.close()

        return data, error
