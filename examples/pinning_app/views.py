"""Django views that act as another role."""

from django.db import connection
from django.http import JsonResponse


def audit_log(request):
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE auditor")
        cursor.execute("SELECT * FROM audit.events ORDER BY at DESC LIMIT 50")
        rows = cursor.fetchall()
    return JsonResponse({"events": rows})


def prepared_lookup(request, order_id):
    with connection.cursor() as cursor:
        cursor.execute("PREPARE find_order (int) AS SELECT * FROM orders WHERE id = $1")
        cursor.execute("EXECUTE find_order (%s)", [order_id])
        return JsonResponse({"order": cursor.fetchone()})
