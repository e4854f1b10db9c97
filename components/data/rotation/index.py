"""Secrets Manager rotation of the platform's generated secrets.

Secrets Manager calls this function four times per rotation (createSecret,
setSecret, testSecret, finishSecret) with the secret and the new version's
token. Every secret gets a new random value; for the Redis AUTH token the
new value is first added to every region's cache with the ROTATE strategy,
so that clients holding the old token keep working until they reload it.
ElastiCache accepts at most two tokens, so the previous rotation's old token
is dropped first by re-SETting the current one.
"""

import os

import boto3

secrets = boto3.client("secretsmanager")
REDIS_SECRET = os.environ.get("REDIS_SECRET_NAME", "")
GROUPS = [g.split(":", 1) for g in os.environ.get("REPLICATION_GROUPS", "").split(",") if g]


def handler(event, _context):
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    meta = secrets.describe_secret(SecretId=arn)
    if not meta.get("RotationEnabled"):
        raise ValueError(f"rotation is not enabled for {arn}")
    stages = meta.get("VersionIdsToStages", {})
    if token not in stages:
        raise ValueError(f"version {token} is not a version of {arn}")
    if "AWSCURRENT" in stages[token]:
        return  # already finished
    if "AWSPENDING" not in stages[token]:
        raise ValueError(f"version {token} of {arn} is not pending")
    is_redis = meta["Name"] == REDIS_SECRET
    if step == "createSecret":
        create(arn, token)
    elif step == "setSecret" and is_redis:
        set_redis(arn, token)
    elif step == "testSecret" and is_redis:
        wait_available()
    elif step == "finishSecret":
        finish(arn, token, stages)


def create(arn, token):
    try:
        secrets.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        return  # a retried step: the pending value exists
    except secrets.exceptions.ResourceNotFoundException:
        pass
    value = secrets.get_random_password(PasswordLength=64, ExcludePunctuation=True)["RandomPassword"]
    secrets.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=value, VersionStages=["AWSPENDING"])


def set_redis(arn, token):
    current = secrets.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"]
    pending = secrets.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")["SecretString"]
    for region, group in GROUPS:
        cache = boto3.client("elasticache", region_name=region)
        for strategy, value in (("SET", current), ("ROTATE", pending)):
            cache.get_waiter("replication_group_available").wait(ReplicationGroupId=group)
            cache.modify_replication_group(
                ReplicationGroupId=group, AuthToken=value, AuthTokenUpdateStrategy=strategy, ApplyImmediately=True
            )


def wait_available():
    for region, group in GROUPS:
        boto3.client("elasticache", region_name=region).get_waiter("replication_group_available").wait(ReplicationGroupId=group)


def finish(arn, token, stages):
    current = next((v for v, s in stages.items() if "AWSCURRENT" in s), None)
    secrets.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
    )
