"""The local stack's direct `GetRecords` answers what moto's own does, record for record."""

from __future__ import annotations

from typing import Any

import boto3
from moto import mock_aws

from local_runner import moto_streams


def read_all(stream_arn: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodbstreams", region_name="ca-central-1")
    [shard] = client.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    iterator = client.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    answer = client.get_records(ShardIterator=iterator, Limit=1000)
    assert answer["NextShardIterator"]
    records: list[dict[str, Any]] = [dict(record) for record in answer["Records"]]
    return records


@mock_aws
def test_records_read_directly_are_the_records_moto_writes_out() -> None:
    dynamodb = boto3.client("dynamodb", region_name="ca-central-1")
    table = dynamodb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    dynamodb.put_item(TableName="t", Item={"id": {"S": "a"}, "n": {"N": "1"}, "l": {"L": [{"S": "x"}]}})
    dynamodb.update_item(
        TableName="t",
        Key={"id": {"S": "a"}},
        UpdateExpression="SET n = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    expected = read_all(table["LatestStreamArn"])
    moto_streams.install()
    try:
        direct = read_all(table["LatestStreamArn"])
    finally:
        moto_streams.uninstall()
    assert [r["eventName"] for r in direct] == ["INSERT", "MODIFY"]
    assert direct == expected
