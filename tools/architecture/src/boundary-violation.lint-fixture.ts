// Deliberately breaks the architecture rules. The module-boundaries spec lints this
// text as if it lived in a pure domain library and expects every line below to be rejected.
import { Injectable } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KafkaBus } from '@flowguard/kafka';

export const violations = [Injectable, Kafka, DynamoDBClient, KafkaBus];
