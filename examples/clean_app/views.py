"""Django views; the role switch lives inside the transaction."""

from django.db import connection, transaction
from django.http import JsonResponse


def audit_log(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE auditor")
        cursor.execute("SELECT * FROM audit.events ORDER BY at DESC LIMIT 50")
        rows = cursor.fetchall()
    return JsonResponse({"events": rows})


def prepared_lookup(request, order_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM orders WHERE id = %s", [order_id])
        return JsonResponse({"order": cursor.fetchone()})
